package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.ChunkCounters;
import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberFanout;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.util.concurrent.atomic.AtomicLong;

/**
 * md's one sync loop (sync_request) for every {@link SyncPlan}: visits the plan's units in order,
 * each under the sync barrier ({@link UnitCopy} or {@link UnitScrub}); flushes the members written,
 * once per batch of up to {@value #BATCH} units, before the bitmap hears those units are done (so
 * a bit is never cleared over data that is not durable) and before the resync checkpoint moves;
 * keeps to the speed limits ({@link SyncProgress}). A unit that fails, and every unit of its batch
 * not yet flushed, stays NEEDED (and so does everything while degraded: {@code startSync} keeps
 * NEEDED then, W4). Allocates nothing per unit.
 */
final class SyncPass {
    /** Units written between two flushes of their targets. */
    static final int BATCH = 16;

    /** How a pass ended. */
    enum Outcome {
        /** Every unit done. */
        DONE,
        /** A member failed or left (its state changed): what is left may need another pass. */
        FAILED,
        /** The array stops, or the check/repair was interrupted. */
        STOPPED
    }

    private final SyncTarget a;
    private final SyncStop stop;
    private final SyncProgress progress;
    private final UnitCopy copy;
    private final UnitScrub scrub;
    private final AtomicLong copiedChunks = new AtomicLong();
    private final AtomicLong copiedBytes = new AtomicLong();
    /** Units done but not yet flushed on their targets: the bitmap hears of them after the flush. */
    private final long[] batch = new long[BATCH];
    private int batched;
    /** Members written in the batch. */
    private int batchTargets;
    /** Sectors below which an unclean array is known in sync; all ones when nothing is pending. */
    private volatile long checkpoint = SuperblockLayout.RESYNC_CLEAN;

    SyncPass(SyncTarget a, SyncStop stop) {
        this.a = a;
        this.stop = stop;
        this.progress = new SyncProgress(a);
        this.copy = new UnitCopy(a, progress, stop);
        this.scrub = new UnitScrub(a, progress, stop);
    }

    /** Runs {@code plan} once. */
    Outcome run(SyncPlan plan) {
        WriteIntentBitmap bm = a.bitmap();
        long unit = a.unitBytes();
        long units = (a.sizeBytes() + unit - 1) / unit;
        long first = plan.fromBytes / unit;
        boolean byBits = plan.units == SyncPlan.Units.NEEDED && bm != null;
        progress.start(byBits ? dirtySectors(bm, unit, units) : a.sizeBytes() / 512 - first * unit / 512,
                plan.action);
        if (plan.countsMismatches) {
            scrub.reset();
        }
        batched = 0;
        batchTargets = 0;
        try {
            for (long u = first; u < units; u++) {
                if (stop.stops(plan)) {
                    break;
                }
                if (!stillRuns(plan)) {
                    return abortBatch(bm, plan);
                }
                if (byBits && !bm.startSync(u)) {
                    continue;
                }
                int source = a.sourceMask();
                int targets = targets(plan, source);
                boolean ok = source != 0 && work(plan, u, Integer.numberOfTrailingZeros(source), targets);
                if (ok) {
                    batch[batched++] = u;
                }
                if (!ok || batched == BATCH) {
                    boolean flushed = ok && flushBatch(plan);
                    endBatch(bm, plan, flushed);
                    if (!ok) {
                        if (bm != null && plan.usesSyncBits()) {
                            // The failed unit itself stays NEEDED.
                            bm.endSync(u, true);
                        }
                        return stop.stops(plan) ? Outcome.STOPPED : Outcome.FAILED;
                    }
                    if (!flushed) {
                        return Outcome.FAILED;
                    }
                }
            }
            // One flush for the last batch, whether the pass ran to the end or was stopped: the
            // same for every plan (the recovery used to flush at the last unit as well; both
            // flushes covered the same units).
            if (batched > 0) {
                boolean flushed = flushBatch(plan);
                endBatch(bm, plan, flushed);
                if (!flushed) {
                    return Outcome.FAILED;
                }
            }
            return stop.stops(plan) ? Outcome.STOPPED : Outcome.DONE;
        } finally {
            if (bm != null && plan.usesSyncBits()) {
                // md's close_sync, after every pass that takes units with startSync. Only the
                // resync called it before; the recovery need not (the bitmap is degraded during a
                // recovery, so startSync never moves a unit to RESYNC then), but with it no pass
                // that ends early, however, can leave a unit in RESYNC instead of NEEDED.
                bm.closeSync();
            }
        }
    }

    /** The members the plan writes (copy) or compares (scrub) for this unit. */
    private int targets(SyncPlan plan, int source) {
        if (plan.recoverSlot >= 0) {
            return 1 << plan.recoverSlot;
        }
        return a.inSyncMask() & ~source;
    }

    /**
     * Whether the members the plan needs are still there: the recovering member still recovering,
     * every member still in sync for a check or repair (md needs two to compare; a member that
     * fails ends the check, as md interrupts it).
     */
    private boolean stillRuns(SyncPlan plan) {
        if (plan.recoverSlot >= 0) {
            return a.state(plan.recoverSlot) == MemberState.RECOVERING;
        }
        if (plan.scrub()) {
            return allInSync();
        }
        return true;
    }

    boolean allInSync() {
        for (int s = 0; s < a.raidDisks(); s++) {
            if (a.state(s) != MemberState.IN_SYNC) {
                return false;
            }
        }
        return true;
    }

    private boolean work(SyncPlan plan, long u, int source, int targets) {
        if (plan.work == SyncPlan.Work.COPY) {
            if (plan.safeModeWrites) {
                // Resync rewrites in-sync members: the array stays "active" on disk meanwhile.
                a.enterWrite(false);
            }
            boolean ok;
            try {
                ok = copy.copy(plan, u, source, targets);
            } finally {
                if (plan.safeModeWrites) {
                    a.exitWrite(false);
                }
            }
            if (ok && targets != 0) {
                batchTargets |= targets;
                if (plan.countsCopies) {
                    long start = u * a.unitBytes();
                    copiedChunks.incrementAndGet();
                    copiedBytes.addAndGet(Math.min(start + a.unitBytes(), a.sizeBytes()) - start);
                }
            }
            return ok;
        }
        boolean ok = scrub.scrub(plan, u, source, targets, plan.work == SyncPlan.Work.COMPARE_AND_REWRITE);
        batchTargets |= scrub.rewritten();
        return ok;
    }

    /** Flushes the members written in the batch that are still written to; false (and failed) on error. */
    private boolean flushBatch(SyncPlan plan) {
        // A member that failed (or left) since it was written no longer matters: not flushed.
        int targets = batchTargets & writable();
        batchTargets = 0;
        if (targets == 0) {
            return true;
        }
        MemberFanout f = a.fanout();
        IoSlot s = f.acquire();
        try {
            int failed = f.flush(s, targets);
            if (failed != 0) {
                a.failMembers(failed, "flush error during " + plan.action);
                return false;
            }
            return true;
        } finally {
            f.release(s);
        }
    }

    private int writable() {
        int m = 0;
        for (int s = 0; s < a.raidDisks(); s++) {
            MemberState st = a.state(s);
            if (st == MemberState.IN_SYNC || st == MemberState.RECOVERING) {
                m |= 1 << s;
            }
        }
        return m;
    }

    /**
     * The batch is over: after the flush (or its failure) the bitmap hears of its units and the
     * checkpoint moves past them.
     */
    private void endBatch(WriteIntentBitmap bm, SyncPlan plan, boolean flushed) {
        if (bm != null && plan.report == SyncPlan.BitmapReport.SYNC) {
            for (int i = 0; i < batched; i++) {
                bm.endSync(batch[i], !flushed);
            }
        } else if (bm != null && plan.report == SyncPlan.BitmapReport.RECOVERY) {
            boolean last = flushed && lastOneOut(plan.recoverSlot);
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
        if (plan.checkpoint && flushed && batched > 0) {
            // Only flushed units: a superblock written now may record this as resync_offset.
            checkpoint = (batch[batched - 1] + 1) * a.unitBytes() / 512;
        }
        batched = 0;
    }

    /** The pass cannot go on (its member left): the batch is not known durable, so it stays NEEDED. */
    private Outcome abortBatch(WriteIntentBitmap bm, SyncPlan plan) {
        endBatch(bm, plan, false);
        batchTargets = 0;
        return Outcome.FAILED;
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
     * Sectors a bitmap-driven pass copies: the dirty chunks, the last one only as far as the
     * array reaches (else progress would end short of 100%).
     */
    private long dirtySectors(WriteIntentBitmap bm, long unit, long units) {
        long sectors = bm.dirtyChunks() * unit / 512;
        long tail = units * unit - a.sizeBytes();
        if (tail > 0 && (bm.counter(units - 1) & ChunkCounters.NEEDED) != 0) {
            sectors -= tail / 512;
        }
        return Math.max(sectors, 0);
    }

    /** Sets the checkpoint: a resync is requested from {@code sectors}, or nothing is pending (all ones). */
    void checkpoint(long sectors) {
        checkpoint = sectors;
    }

    long checkpointSectors() {
        return checkpoint;
    }

    SyncProgress progress() {
        return progress;
    }

    long mismatchSectors() {
        return scrub.mismatchSectors();
    }

    long copiedChunks() {
        return copiedChunks.get();
    }

    long copiedBytes() {
        return copiedBytes.get();
    }
}
