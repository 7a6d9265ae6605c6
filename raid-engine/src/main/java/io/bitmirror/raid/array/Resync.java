package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberFanout;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background copy that makes members identical again, in md's two flavours: resync (after
 * an unclean stop, from the lowest in-sync member to the other in-sync members) and recovery (to
 * a re-added or new member). With a bitmap only the chunks that need it are copied; without one,
 * everything from the checkpoint on.
 *
 * <p>Each unit is copied under the sync barrier (no write to it meanwhile); the targets are
 * flushed, once per batch of up to 16 units, before the bitmap hears those units are done (so a
 * bit is never cleared over data that is not durable); the speed stays between md's min and
 * max limits.
 */
final class Resync implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Resync.class);

    enum Kind { RESYNC, RECOVERY }

    private final SyncTarget a;
    private final Object lock = new Object();
    private Thread thread;
    private boolean resyncRequested;
    private long resyncFrom;
    private int recoverySlots;
    private int recoveryFull;
    private volatile boolean running;
    private volatile boolean stop;
    private volatile int currentTarget = -1;
    private volatile String action = "idle";
    private volatile long doneSectors;
    private volatile long totalSectors;
    private volatile long speedKiB;
    private long speedMark;
    private long speedMarkSectors;
    private final SyncThrottle throttle = new SyncThrottle();
    /** Speed shown by detail: measured over about this long. */
    private static final long SPEED_WINDOW_NANOS = 1_000_000_000L;
    /** Sectors below which an unclean array is known in sync; -1 (all ones) when nothing is pending. */
    private volatile long checkpoint = SuperblockLayout.RESYNC_CLEAN;
    private final AtomicLong copiedChunks = new AtomicLong();
    private final AtomicLong copiedBytes = new AtomicLong();
    /** Units copied but not yet flushed on the targets: the bitmap hears of them after the flush. */
    private final long[] batch = new long[16];

    Resync(SyncTarget a) {
        this.a = a;
    }

    void request(Kind kind, int slot, long fromBytes, boolean full) {
        synchronized (lock) {
            if (kind == Kind.RESYNC) {
                resyncRequested = true;
                resyncFrom = fromBytes;
                checkpoint = fromBytes / 512;
            } else {
                recoverySlots |= 1 << slot;
                if (full) {
                    recoveryFull |= 1 << slot;
                } else {
                    recoveryFull &= ~(1 << slot);
                }
            }
        }
    }

    void startIfRequested() {
        synchronized (lock) {
            if (running || stop || (!resyncRequested && recoverySlots == 0)) {
                return;
            }
            running = true;
            thread = new Thread(this, "md-" + a.name() + "-resync");
            thread.setDaemon(true);
            thread.start();
        }
    }

    boolean active() {
        return running;
    }

    /** A resync (not a recovery) is running: the array must stay "active" on disk meanwhile. */
    boolean resyncing() {
        return running && "resync".equals(action);
    }

    boolean pending() {
        synchronized (lock) {
            return resyncRequested || recoverySlots != 0;
        }
    }

    String action() {
        return action;
    }

    /**
     * The pass is over: {@code detail} says "idle" from now. For a recovery the array calls this
     * under its state lock together with marking the member in sync, so that no snapshot shows
     * the member in sync while the recovery still runs.
     */
    void passEnded() {
        action = "idle";
        currentTarget = -1;
    }

    long doneSectors() {
        return doneSectors;
    }

    long totalSectors() {
        return totalSectors;
    }

    long speedKiB() {
        return speedKiB;
    }

    long copiedChunks() {
        return copiedChunks.get();
    }

    long copiedBytes() {
        return copiedBytes.get();
    }

    /** What a clean superblock records as resync_offset. */
    long checkpointSectors() {
        return checkpoint;
    }

    @Override
    public void run() {
        try {
            while (!stop) {
                Kind kind;
                int slot = -1;
                boolean full = false;
                long from = 0;
                synchronized (lock) {
                    if (resyncRequested) {
                        kind = Kind.RESYNC;
                        from = resyncFrom;
                    } else if (recoverySlots != 0) {
                        kind = Kind.RECOVERY;
                        slot = Integer.numberOfTrailingZeros(recoverySlots);
                        full = (recoveryFull & (1 << slot)) != 0;
                    } else {
                        break;
                    }
                }
                boolean finished = kind == Kind.RESYNC ? resync(from) : recover(slot, full);
                synchronized (lock) {
                    if (kind == Kind.RESYNC && finished) {
                        resyncRequested = false;
                    } else if (kind == Kind.RECOVERY && (finished || a.state(slot) != MemberState.RECOVERING)) {
                        recoverySlots &= ~(1 << slot);
                    }
                }
                if (kind == Kind.RESYNC && finished) {
                    checkpoint = SuperblockLayout.RESYNC_CLEAN;
                    LOG.info("{}: resync done", a.name());
                    passEnded();
                    a.resyncFinished();
                } else if (kind == Kind.RECOVERY && finished) {
                    a.recoveryFinished(slot);
                }
                if (!finished && !stop) {
                    // A member failed under us: try again with what is left, after a pause.
                    LockSupport.parkNanos(50_000_000L);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("{}: resync stopped: {}", a.name(), e.toString());
        } finally {
            action = "idle";
            currentTarget = -1;
            synchronized (lock) {
                running = false;
            }
        }
    }

    /** Resync after an unclean stop; true when every unit is done. */
    private boolean resync(long fromBytes) {
        WriteIntentBitmap bm = a.bitmap();
        long unit = a.unitBytes();
        long units = (a.sizeBytes() + unit - 1) / unit;
        long firstUnit = fromBytes / unit;
        action = "resync";
        startPass();
        totalSectors = bm != null ? dirtySectors(bm, unit, units) : a.sizeBytes() / 512 - firstUnit * unit / 512;
        int batched = 0;
        for (long u = firstUnit; u < units && !stop; u++) {
            if (bm != null && !bm.startSync(u)) {
                continue;
            }
            int source = a.sourceMask();
            int targets = a.inSyncMask() & ~source;
            // The array stays "active" on disk while members may differ mid-copy.
            a.enterWrite(false);
            boolean ok;
            try {
                ok = source != 0 && copyUnit(u, Integer.numberOfTrailingZeros(source), targets);
            } finally {
                a.exitWrite(false);
            }
            if (ok) {
                batch[batched++] = u;
            }
            if (!ok || batched == batch.length) {
                // Durable on the targets before the bitmap hears the units are done.
                boolean flushed = ok && flushTargets(targets);
                endResynced(bm, batched, flushed);
                batched = 0;
                if (!ok && bm != null) {
                    bm.endSync(u, true);
                }
                if (!ok || !flushed) {
                    return false;
                }
            }
            if (bm == null) {
                checkpoint = (u + 1) * unit / 512;
            }
        }
        if (batched > 0) {
            int targets = a.inSyncMask() & ~a.sourceMask();
            boolean flushed = flushTargets(targets);
            endResynced(bm, batched, flushed);
            if (!flushed) {
                return false;
            }
        }
        if (bm != null) {
            bm.closeSync();
        }
        return !stop;
    }

    /** Recovery of member {@code slot}; true when it has every unit. */
    private boolean recover(int slot, boolean full) {
        WriteIntentBitmap bm = a.bitmap();
        long unit = a.unitBytes();
        long units = (a.sizeBytes() + unit - 1) / unit;
        action = "recovery";
        currentTarget = slot;
        startPass();
        totalSectors = full || bm == null ? a.sizeBytes() / 512 : dirtySectors(bm, unit, units);
        int target = 1 << slot;
        int batched = 0;
        for (long u = 0; u < units && !stop; u++) {
            if (a.state(slot) != MemberState.RECOVERING) {
                return false;
            }
            if (!full && bm != null && !bm.startSync(u)) {
                continue;
            }
            int source = a.sourceMask();
            boolean ok = source != 0 && copyUnit(u, Integer.numberOfTrailingZeros(source), target);
            if (ok) {
                batch[batched++] = u;
            }
            if (!ok || batched == batch.length || u == units - 1) {
                boolean flushed = ok && flushTargets(target);
                endRecovered(bm, slot, batched, flushed);
                batched = 0;
                if (!ok && bm != null) {
                    bm.endSync(u, true);
                }
                if (!ok || !flushed) {
                    return false;
                }
            }

        }
        if (batched > 0) {
            boolean flushed = flushTargets(target);
            endRecovered(bm, slot, batched, flushed);
            if (!flushed) {
                return false;
            }
        }
        return !stop;
    }

    /** Tells the bitmap the batched units were resynced (after the targets' flush), or not. */
    private void endResynced(WriteIntentBitmap bm, int batched, boolean flushed) {
        if (bm == null) {
            return;
        }
        for (int i = 0; i < batched; i++) {
            bm.endSync(batch[i], !flushed);
        }
    }

    /** Tells the bitmap the batched units reached the recovering member (after its flush). */
    private void endRecovered(WriteIntentBitmap bm, int slot, int batched, boolean flushed) {
        if (bm == null) {
            return;
        }
        boolean last = lastOneOut(slot);
        for (int i = 0; i < batched; i++) {
            if (!flushed) {
                bm.endSync(batch[i], true);
            } else if (last) {
                // Every other member is in sync and the target now has the unit: not NEEDED.
                bm.endRecovery(batch[i]);
            } else {
                bm.endSync(batch[i]);
            }
        }
    }

    /** Flushes the targets of a batch of copied units; false (and the members failed) on error. */
    private boolean flushTargets(int targets) {
        if (targets == 0) {
            return true;
        }
        MemberFanout f = a.fanout();
        IoSlot s = f.acquire();
        try {
            int failed = f.flush(s, targets);
            if (failed != 0) {
                a.failMembers(failed, "flush error during resync");
                return false;
            }
            return true;
        } finally {
            f.release(s);
        }
    }

    /** Waits for the piece being written; false when a target failed (it has been failed then). */
    private boolean written(MemberFanout f, IoSlot slot) {
        return succeeded(f.await(slot));
    }

    /** True when no target failed; otherwise fails the targets named by {@code failedMask}. */
    private boolean succeeded(int failedMask) {
        if (failedMask != 0) {
            a.failMembers(failedMask, "write error during resync");
            return false;
        }
        return true;
    }

    private boolean lastOneOut(int slot) {
        for (int s = 0; s < a.raidDisks(); s++) {
            if (s != slot && a.state(s) != MemberState.IN_SYNC) {
                return false;
            }
        }
        return true;
    }

    /**
     * Copies unit {@code u} from {@code source} to {@code targets} under the sync barrier; a unit
     * larger than a slot goes in pieces, the next read while the previous piece is being written
     * (two slots). Progress and the speed limit are kept per piece, not per unit (a unit may be
     * 1 GiB): when the limit asks for a pause, the copy lets go of the barrier first, so client
     * writes to the unit are not held up by the pause. That is safe because writes go to every
     * member: the part already copied stays in sync, and the rest is copied after them. False
     * when a member failed (it has been failed then). The caller flushes the targets.
     */
    private boolean copyUnit(long u, int source, int targets) {
        MemberFanout f = a.fanout();
        long unit = a.unitBytes();
        long start = u * unit;
        long end = Math.min(start + unit, a.sizeBytes());
        if (targets == 0) {
            doneSectors += (end - start) / 512;
            return true;
        }
        int piece = f.slotBytes();
        IoSlot current = f.acquire();
        IoSlot writing = f.acquire();
        boolean inFlight = false;
        int inFlightBytes = 0;
        a.barrier().beginSync(u);
        boolean held = true;
        try {
            for (long pos = start; pos < end; ) {
                int n = (int) Math.min(piece, end - pos);
                if (!held) {
                    a.barrier().beginSync(u);
                    held = true;
                }
                try {
                    f.read(current, source, pos, n);
                } catch (IOException e) {
                    LOG.warn("{}: resync read error on member {}: {}", a.name(), source, e.getMessage());
                    if (inFlight) {
                        inFlight = false;
                        f.await(writing);
                    }
                    a.failMembers(1 << source, "read error during resync");
                    return false;
                }
                if (!inFlight && pos + n == end) {
                    // The unit's only (or last, after a pause) piece: written in this thread,
                    // no hand-off.
                    if (!succeeded(f.write(current, pos, n, false, targets))) {
                        return false;
                    }
                    long wait = progress(n);
                    copiedChunks.incrementAndGet();
                    copiedBytes.addAndGet(end - start);
                    a.barrier().endSync();
                    held = false;
                    pause(wait);
                    return true;
                }
                long wait = 0;
                if (inFlight) {
                    inFlight = false;
                    if (!written(f, writing)) {
                        return false;
                    }
                    wait = progress(inFlightBytes);
                }
                f.startWrite(current, pos, n, targets);
                IoSlot t = writing;
                writing = current;
                current = t;
                inFlight = true;
                inFlightBytes = n;
                pos += n;
                if (wait > 0 && pos < end) {
                    inFlight = false;
                    if (!written(f, writing)) {
                        return false;
                    }
                    wait = Math.max(wait, progress(inFlightBytes));
                    a.barrier().endSync();
                    held = false;
                    pause(wait);
                    if (stop) {
                        return false;
                    }
                }
            }
            long wait = 0;
            if (inFlight) {
                inFlight = false;
                if (!written(f, writing)) {
                    return false;
                }
                wait = progress(inFlightBytes);
            }
            copiedChunks.incrementAndGet();
            copiedBytes.addAndGet(end - start);
            a.barrier().endSync();
            held = false;
            pause(wait);
            return true;
        } finally {
            // Only a write still in flight is awaited here: each await above clears the flag first.
            if (inFlight) {
                f.await(writing);
            }
            f.release(current);
            f.release(writing);
            if (held) {
                a.barrier().endSync();
            }
        }
    }

    /**
     * Counts {@code bytes} as done (for detail's progress and speed) and returns how long the
     * speed limit says to wait: md's max while the array is idle, near min while clients write.
     */
    private long progress(long bytes) {
        doneSectors += bytes / 512;
        long now = System.nanoTime();
        if (now - speedMark >= SPEED_WINDOW_NANOS) {
            speedKiB = (doneSectors - speedMarkSectors) * 512 * 1_000_000_000L / (now - speedMark) / 1024;
            speedMark = now;
            speedMarkSectors = doneSectors;
        }
        AssembleOptions o = a.options();
        boolean busy = now - a.lastWriteNanos() < 100_000_000L;
        long limit = busy ? Math.max(o.minSpeedKiB(), 1) : o.maxSpeedKiB();
        return throttle.account(bytes, limit, now);
    }

    /** Waits {@code nanos}, in slices so that a stop is noticed soon. */
    private void pause(long nanos) {
        long until = System.nanoTime() + nanos;
        for (long left = nanos; left > 0 && !stop; left = until - System.nanoTime()) {
            LockSupport.parkNanos(this, Math.min(left, 100_000_000L));
        }
    }

    /**
     * Sectors a bitmap-driven pass copies: the dirty chunks, the last one only as far as the
     * array reaches (else progress would end short of 100%).
     */
    private long dirtySectors(WriteIntentBitmap bm, long unit, long units) {
        long sectors = bm.dirtyChunks() * unit / 512;
        long tail = units * unit - a.sizeBytes();
        if (tail > 0 && (bm.counter(units - 1) & io.bitmirror.bitmap.engine.ChunkCounters.NEEDED) != 0) {
            sectors -= tail / 512;
        }
        return Math.max(sectors, 0);
    }

    /** Starts the speed measurement of a new pass. */
    private void startPass() {
        doneSectors = 0;
        speedKiB = 0;
        speedMark = System.nanoTime();
        speedMarkSectors = 0;
    }

    /** Stops the copy; progress stays NEEDED in the bitmap and in the checkpoint. */
    void stop() {
        stop = true;
        Thread t;
        synchronized (lock) {
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void abandon() {
        stop = true;
    }
}
