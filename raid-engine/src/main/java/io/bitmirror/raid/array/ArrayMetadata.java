package io.bitmirror.raid.array;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.raid.io.Broadcast;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.MdTime;
import io.bitmirror.raid.superblock.Superblock;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the superblocks say, and when: the events counter, superblock writes (bitmap events
 * durable first, W3), and md's safe mode (the superblocks say "active" before the first write
 * after an idle period and "clean" again once idle and flushed). One lock ({@code sbLock})
 * serializes superblock writes; it may wait for the bitmap flusher, never the other way round.
 */
final class ArrayMetadata {
    private static final Logger LOG = LoggerFactory.getLogger(ArrayMetadata.class);

    private static final int MODE_CLEAN = 0;
    private static final int MODE_ACTIVE = 1;

    /** A member flush, for the flush before "clean" (the mirrored I/O's, handed in by the caller). */
    @FunctionalInterface
    interface MemberFlush {
        void flush() throws IOException;
    }

    private final String name;
    private final Members members;
    private final BitmapHolder bitmaps;
    /** Where an interrupted resync resumes (sectors), recorded in a clean superblock. */
    private final LongSupplier resyncCheckpoint;
    /** md's read-only state: the superblocks are never written (md_update_sb returns at once). */
    private final boolean readOnly;
    private final Object sbLock = new Object();
    private final Exception[] errors = new Exception[32];
    /** Writes one member's superblock block (preallocated: the housekeeper runs it). */
    private final Broadcast.MemberOp<MemberSet> writeOne = (s, set) -> {
        MemberSuperblock m = set.superblock(s);
        m.block.clear();
        set.device(s).write(m.superOffsetBytes, m.block, true);
    };

    private long events;
    private volatile int mode = MODE_CLEAN;
    private final AtomicLong inflight = new AtomicLong();
    private volatile long lastWriteNanos;
    private volatile boolean stopped;

    ArrayMetadata(String name, long events, Members members, BitmapHolder bitmaps, LongSupplier resyncCheckpoint,
            boolean readOnly) {
        this.name = name;
        this.readOnly = readOnly;
        this.events = events;
        this.members = members;
        this.bitmaps = bitmaps;
        this.resyncCheckpoint = resyncCheckpoint;
    }

    // ================================================================= safe mode

    /**
     * Before a write: count it, and make sure the superblocks say "active" (md's safe mode).
     *
     * @param foreground a client write (resync writes keep the array active but do not count as
     *     foreground activity, which slows resync down to its minimum speed)
     */
    void enterWrite(boolean foreground) throws ArrayException {
        while (true) {
            inflight.incrementAndGet();
            // Dekker with markCleanIfIdle(): count first, then look at the mode; it writes the
            // mode first, then looks at the count. One of the two sees the other.
            if (mode == MODE_ACTIVE) {
                if (foreground) {
                    lastWriteNanos = System.nanoTime();
                }
                return;
            }
            inflight.decrementAndGet();
            markActive();
        }
    }

    void exitWrite(boolean foreground) {
        if (foreground) {
            lastWriteNanos = System.nanoTime();
        }
        inflight.decrementAndGet();
    }

    /** When a client last wrote (System.nanoTime). */
    long lastWriteNanos() {
        return lastWriteNanos;
    }

    /** Writes under way (safe mode's count). */
    long inflight() {
        return inflight.get();
    }

    boolean active() {
        return mode == MODE_ACTIVE;
    }

    private void markActive() throws ArrayException {
        synchronized (sbLock) {
            if (mode != MODE_ACTIVE && !stopped) {
                // "active" must be on disk before the first write after an idle period: a crash
                // from here on means the members may differ.
                writeSuperblocksLocked(false, true);
                mode = MODE_ACTIVE;
            }
            if (stopped) {
                throw new ArrayException("array " + name + " is stopped");
            }
        }
    }

    /**
     * After an idle period ({@code safeModeNanos} without a write, no resync running): flush
     * the members and mark the superblocks clean.
     */
    void markCleanIfIdle(boolean resyncing, long safeModeNanos, MemberFlush flush) {
        if (mode != MODE_ACTIVE || inflight.get() != 0 || resyncing
                || System.nanoTime() - lastWriteNanos < safeModeNanos) {
            return;
        }
        synchronized (sbLock) {
            if (mode != MODE_ACTIVE) {
                return;
            }
            mode = MODE_CLEAN;
            // Dekker with enterWrite(): the mode is written, now look at the writers.
            if (inflight.get() != 0) {
                mode = MODE_ACTIVE;
                return;
            }
            try {
                flush.flush();
            } catch (IOException e) {
                LOG.warn("{}: flush before marking clean failed: {}", name, e.getMessage());
                mode = MODE_ACTIVE;
                return;
            }
            writeSuperblocksLocked(true, true);
        }
    }

    // ================================================================= superblocks

    /**
     * Writes every in-sync member's superblock with events bumped. With {@code bitmapFirst}
     * the bitmap's events are made durable first (W3: the bitmap is never older than the
     * superblock, else the next assembly would trust bits that predate the superblock's events).
     * Members being recovered keep their old superblock until they are in sync, so a crash
     * during recovery leaves them stale (and recovered again), never falsely current.
     */
    private void writeSuperblocksLocked(boolean clean, boolean bitmapFirst) {
        if (readOnly) {
            // The one place superblocks are written, so the one place read-only is enforced for
            // them: no events bump, no write; a member failed in memory stays so in memory only.
            members.recording();
            return;
        }
        events++;
        BitmapHolder.Active act = bitmaps.active();
        WriteIntentBitmap bitmap = act.bitmap();
        if (bitmap != null && bitmapFirst) {
            bitmap.setEvents(events);
            if (!bitmap.writeSuperblockNow()) {
                LOG.error("{}: bitmap write error: the bitmap is stale, the next assembly resyncs fully", name);
            }
        }
        // Before the snapshot: a failure after it is recorded by the next write.
        members.recording();
        MemberSet set = members.current();
        long now = MdTime.encode(Instant.now());
        long resyncOffset = clean ? resyncCheckpoint.getAsLong() : 0;
        int mask = set.inSyncMask;
        for (int rest = mask; rest != 0; rest &= rest - 1) {
            Superblock sb = set.superblock(Integer.numberOfTrailingZeros(rest)).sb;
            sb.events(events).utime(now).resyncOffset(resyncOffset);
            for (int i = 0; i < set.maxDev(); i++) {
                sb.devRole(i, set.role(i));
            }
            int features = sb.featureMap() & ~(FeatureMap.RECOVERY_OFFSET | FeatureMap.BITMAP_OFFSET);
            if (act.internal()) {
                // Every superblock says what the array has now (a grow changed it, or a member
                // came back with the superblock it had before the grow); bitmap_offset is kept
                // when the bit goes, as md does: without the bit nobody reads it.
                features |= FeatureMap.BITMAP_OFFSET;
                sb.bitmapOffset(act.internalOffsetSectors());
            }
            sb.featureMap(features).recoveryOffset(0);
            sb.updateChecksum();
        }
        int failed = Broadcast.toEach(mask, writeOne, set, errors);
        for (int rest = failed; rest != 0; rest &= rest - 1) {
            int s = Integer.numberOfTrailingZeros(rest);
            LOG.error("{}: superblock write to {} failed: {}", name, set.path(s), errors[s].getMessage());
            members.markFaulty(s, "superblock write error");
        }
    }

    /** Forces a superblock update now (events bump); used by state changes. */
    void updateSuperblocks() {
        synchronized (sbLock) {
            if (!stopped) {
                writeSuperblocksLocked(mode == MODE_CLEAN, true);
            }
        }
    }

    /** A step of a grow, under the superblock lock. */
    interface Locked<T> {
        T run() throws java.io.IOException;
    }

    /** Runs {@code x} under the superblock lock (no superblock write, no safe-mode change meanwhile). */
    <T> T locked(Locked<T> x) throws java.io.IOException {
        synchronized (sbLock) {
            return x.run();
        }
    }

    /** Events now; the caller holds the superblock lock ({@link #locked}). */
    long eventsLocked() {
        return events;
    }

    /**
     * Writes every in-sync member's superblock as the bitmap holder says now (feature bit,
     * bitmap_offset), events bumped, bitmap events first (W3). Caller holds the lock.
     */
    void writeSuperblocksForGrow() {
        if (!stopped) {
            writeSuperblocksLocked(mode == MODE_CLEAN, true);
        }
    }

    /** Writes the superblocks when a member transition has not been recorded yet. */
    void recordIfChanged() {
        if (members.unrecorded()) {
            updateSuperblocks();
        }
    }

    /**
     * The clean stop, under the superblock lock: {@code finalFlush} (members and bitmap), then
     * the superblocks "clean" (bitmap events first, W3). Nothing is written after this.
     */
    void stopClean(Runnable finalFlush) {
        synchronized (sbLock) {
            if (!readOnly) {
                finalFlush.run();
            }
            writeSuperblocksLocked(true, true);
            mode = MODE_CLEAN;
            stopped = true;
        }
    }

    /** Power cut: nothing more is written. */
    void abandon() {
        stopped = true;
    }

    boolean stopped() {
        return stopped;
    }

    long events() {
        synchronized (sbLock) {
            return events;
        }
    }
}
