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

    private final RaidArray a;
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
    /** Sectors below which an unclean array is known in sync; -1 (all ones) when nothing is pending. */
    private volatile long checkpoint = SuperblockLayout.RESYNC_CLEAN;
    private final AtomicLong copiedChunks = new AtomicLong();
    private final AtomicLong copiedBytes = new AtomicLong();
    /** Units copied but not yet flushed on the targets: the bitmap hears of them after the flush. */
    private final long[] batch = new long[16];

    Resync(RaidArray a) {
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
        doneSectors = 0;
        totalSectors = bm != null ? bm.dirtyChunks() * unit / 512 : a.sizeBytes() / 512 - firstUnit * unit / 512;
        long started = System.nanoTime();
        long bytes = 0;
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
            long n = Math.min(unit, a.sizeBytes() - u * unit);
            bytes += n;
            doneSectors += n / 512;
            if (bm == null) {
                checkpoint = (u + 1) * unit / 512;
            }
            throttle(started, bytes);
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
        doneSectors = 0;
        totalSectors = full || bm == null ? a.sizeBytes() / 512 : bm.dirtyChunks() * unit / 512;
        long started = System.nanoTime();
        long bytes = 0;
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
            long n = Math.min(unit, a.sizeBytes() - u * unit);
            bytes += n;
            doneSectors += n / 512;
            throttle(started, bytes);
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
                a.failFromResync(failed, "flush error during resync");
                return false;
            }
            return true;
        } finally {
            f.release(s);
        }
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
     * (two slots). False when a member failed (it has been failed then). The caller flushes the
     * targets.
     */
    private boolean copyUnit(long u, int source, int targets) {
        if (targets == 0) {
            return true;
        }
        MemberFanout f = a.fanout();
        long unit = a.unitBytes();
        long start = u * unit;
        long end = Math.min(start + unit, a.sizeBytes());
        int piece = f.slotBytes();
        a.barrier().beginSync(u);
        if (end - start <= piece) {
            // One piece: read and write it in this thread, no hand-off.
            IoSlot s = f.acquire();
            try {
                int n = (int) (end - start);
                try {
                    f.read(s, source, start, n);
                } catch (IOException e) {
                    LOG.warn("{}: resync read error on member {}: {}", a.name(), source, e.getMessage());
                    a.failFromResync(1 << source, "read error during resync");
                    return false;
                }
                int failed = f.write(s, start, n, false, targets);
                if (failed != 0) {
                    a.failFromResync(failed, "write error during resync");
                    return false;
                }
                copiedChunks.incrementAndGet();
                copiedBytes.addAndGet(end - start);
                return true;
            } finally {
                f.release(s);
                a.barrier().endSync();
            }
        }
        IoSlot current = f.acquire();
        IoSlot writing = null;
        try {
            for (long pos = start; pos < end; ) {
                int n = (int) Math.min(piece, end - pos);
                try {
                    f.read(current, source, pos, n);
                } catch (IOException e) {
                    LOG.warn("{}: resync read error on member {}: {}", a.name(), source, e.getMessage());
                    if (writing != null) {
                        f.await(writing);
                    }
                    a.failFromResync(1 << source, "read error during resync");
                    return false;
                }
                if (writing != null) {
                    int failed = f.await(writing);
                    if (failed != 0) {
                        a.failFromResync(failed, "write error during resync");
                        return false;
                    }
                } else {
                    writing = f.acquire();
                }
                f.startWrite(current, pos, n, targets);
                IoSlot t = writing;
                writing = current;
                current = t;
                pos += n;
            }
            int failed = f.await(writing);
            if (failed != 0) {
                a.failFromResync(failed, "write error during resync");
                return false;
            }
            copiedChunks.incrementAndGet();
            copiedBytes.addAndGet(end - start);
            return true;
        } finally {
            f.release(current);
            if (writing != null) {
                f.release(writing);
            }
            a.barrier().endSync();
        }
    }

    /** Keeps the speed under max, and near min while the array has foreground writes (md's limits). */
    private void throttle(long started, long bytes) {
        AssembleOptions o = a.options();
        while (!stop) {
            long elapsed = Math.max(1, System.nanoTime() - started);
            speedKiB = bytes * 1_000_000_000L / elapsed / 1024;
            boolean busy = System.nanoTime() - a.lastWriteNanos() < 100_000_000L;
            long limit = busy ? Math.max(o.minSpeedKiB(), 1) : o.maxSpeedKiB();
            if (limit <= 0) {
                return;
            }
            long ahead = bytes * 1_000_000_000L / (limit * 1024L) - elapsed;
            if (ahead <= 0) {
                return;
            }
            // In slices, so a stop or a change from busy to idle is noticed soon.
            LockSupport.parkNanos(Math.min(ahead, 100_000_000L));
        }
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
