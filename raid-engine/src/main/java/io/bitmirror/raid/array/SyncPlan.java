package io.bitmirror.raid.array;

/**
 * What one sync pass does: md's four requests of its one sync loop (resync, recovery, check,
 * repair) as values of the same fields. {@link SyncPass} runs any plan; every way in which the
 * four differ is a field here, with the reason.
 */
final class SyncPlan {
    /** Which units the pass visits. */
    enum Units {
        /** Every unit from {@link #fromBytes} on. */
        ALL,
        /** Only the units the bitmap says need it ({@code startSync}); every unit without a bitmap. */
        NEEDED
    }

    /** What the pass does with a unit once it holds its barrier. */
    enum Work {
        /** Read the source, write the targets: the targets become what the source holds. */
        COPY,
        /** Read every in-sync member and compare with the source; write nothing (md's check). */
        COMPARE,
        /** Compare, and rewrite the 4 KiB blocks that differ from the source (md's repair). */
        COMPARE_AND_REWRITE
    }

    /** How the bitmap hears that a unit is done. */
    enum BitmapReport {
        /** Not at all: a check leaves every bit and counter as it was. */
        NONE,
        /** {@code endSync} after the targets' flush, {@code closeSync} at the end of the pass. */
        SYNC,
        /**
         * As {@link #SYNC}, but {@code endRecovery} when the recovered member was the last one out
         * of sync (the unit is then on every member: not NEEDED any more).
         */
        RECOVERY,
        /**
         * A rewrite is a write to in-sync members like a client's: {@code startWrite} before it,
         * {@code endWrite} after (W1: a crash in the middle leaves the unit's bit set, so the
         * next assembly resyncs it; W4: a failed rewrite leaves it NEEDED).
         */
        AS_WRITE
    }

    /** md's sync_action word while the pass runs: resync, recovery, check, repair. */
    final String action;
    final Units units;
    /** The first byte: resync_offset for a resync without a bitmap, else 0. */
    final long fromBytes;
    /** The member recovered, -1 when the pass writes the in-sync members (or none). */
    final int recoverSlot;
    final Work work;
    final BitmapReport report;
    /**
     * Resync without a bitmap: resync_offset follows the flushed progress, so a clean stop in the
     * middle records where to go on. A bitmap-driven pass keeps its progress in the bits; a
     * recovery's progress is not written (a crash leaves the member stale and it is recovered
     * again); a check or repair is not resumed after a stop, as in md.
     */
    final boolean checkpoint;
    /**
     * Resync only: the array stays "active" (safe mode) for the whole pass. A resync rewrites in-sync
     * members that may differ mid-unit; each unit's copy counts as a (background) write, and
     * the housekeeper does not mark the array clean while the pass runs, which would otherwise
     * flip the superblocks clean/active between units. A recovery writes only the recovering
     * member, whose superblock stays old until it is in sync, so nothing the in-sync superblocks
     * say can become false: it needs no active state. A check writes nothing. A repair writes
     * rarely and only where members already differ: each rewrite is a write in safe mode
     * ({@link #safeModeWrites}), between rewrites the array may go clean.
     */
    final boolean holdsActive;
    /** Writes to in-sync members go inside enterWrite/exitWrite (resync copies, repair rewrites). */
    final boolean safeModeWrites;
    /** Counted in detail's "Copied" line (resync and recovery copies; not scrub rewrites). */
    final boolean countsCopies;
    /** Counts mismatches (md's mismatch_cnt): check and repair. */
    final boolean countsMismatches;
    /**
     * A check or repair gives way: a resync or recovery requested meanwhile (or {@code idle})
     * stops it, as md interrupts a check for a recovery. A resync or recovery is only stopped by
     * the array stopping or a member failing.
     */
    final boolean interruptible;
    /** A failed pass is retried (the members left still need it); a failed check is not, as in md. */
    final boolean retries;

    private SyncPlan(String action, Units units, long fromBytes, int recoverSlot, Work work, BitmapReport report,
            boolean checkpoint, boolean holdsActive, boolean safeModeWrites, boolean countsCopies,
            boolean countsMismatches, boolean interruptible, boolean retries) {
        this.action = action;
        this.units = units;
        this.fromBytes = fromBytes;
        this.recoverSlot = recoverSlot;
        this.work = work;
        this.report = report;
        this.checkpoint = checkpoint;
        this.holdsActive = holdsActive;
        this.safeModeWrites = safeModeWrites;
        this.countsCopies = countsCopies;
        this.countsMismatches = countsMismatches;
        this.interruptible = interruptible;
        this.retries = retries;
    }

    /** After an unclean stop: the NEEDED units (all from the checkpoint without a bitmap), lowest in-sync member to the others. */
    static SyncPlan resync(long fromBytes, boolean bitmap) {
        return new SyncPlan("resync", bitmap ? Units.NEEDED : Units.ALL, bitmap ? 0 : fromBytes, -1, Work.COPY,
                BitmapReport.SYNC, !bitmap, true, true, true, false, false, true);
    }

    /**
     * A re-added or new member: the bitmap's NEEDED units, or every unit when {@code full} (its
     * events are older than the bitmap's events_cleared, or there is no bitmap).
     */
    static SyncPlan recovery(int slot, boolean full) {
        return new SyncPlan("recovery", full ? Units.ALL : Units.NEEDED, 0, slot, Work.COPY, BitmapReport.RECOVERY,
                false, false, false, true, false, false, true);
    }

    /** md's check: every unit, every in-sync member compared with the lowest; nothing written, no bit touched. */
    static SyncPlan check() {
        return new SyncPlan("check", Units.ALL, 0, -1, Work.COMPARE, BitmapReport.NONE, false, false, false, false,
                true, true, false);
    }

    /** md's repair: a check that rewrites the differing blocks from the lowest in-sync member. */
    static SyncPlan repair() {
        return new SyncPlan("repair", Units.ALL, 0, -1, Work.COMPARE_AND_REWRITE, BitmapReport.AS_WRITE, false, false,
                true, false, true, true, false);
    }

    boolean scrub() {
        return work != Work.COPY;
    }

    /** The bitmap hears of units through startSync/endSync (and closeSync at the end of the pass). */
    boolean usesSyncBits() {
        return report == BitmapReport.SYNC || report == BitmapReport.RECOVERY;
    }
}
