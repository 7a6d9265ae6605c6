package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberFanout;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares one unit of every in-sync member with the source (the lowest in-sync member) under
 * the sync barrier, piece by piece, for check and repair; a repair rewrites the differing blocks
 * on the member where they differ from the source (md's rule: the first in-sync member is right).
 *
 * <p>Granularity: md compares one r1_bio (up to 64 KiB) at a time and adds all its sectors to
 * mismatch_cnt when any page of it differs, once per member that differs. Here the unit of
 * comparison is the array's 4 KiB block: each 4 KiB block that differs on a member adds its 8
 * sectors, so the count is exact for corrupted blocks (one flipped byte counts 8, in md up to
 * 128), and a repair rewrites only those blocks (md rewrites the whole r1_bio).
 *
 * <p>A rewrite is written like a client write to that unit: in safe mode, the chunk's bit set
 * first (W1), endWrite after (a failed rewrite leaves the chunk NEEDED, W4). A pause for the
 * speed limit lets go of the barrier as the copy's does ({@link UnitHold}). Allocates nothing.
 */
final class UnitScrub {
    private static final Logger LOG = LoggerFactory.getLogger(UnitScrub.class);
    /** The unit of comparison: the array's block. */
    static final int BLOCK = RaidArray.BLOCK_SIZE;
    private static final long SECTORS_PER_BLOCK = BLOCK / 512;

    private final SyncTarget a;
    private final SyncProgress progress;
    private final SyncStop stop;
    /** The barrier over the unit being compared, let go for pauses. */
    private final UnitHold hold;
    /** Sectors found differing in the current pass (md's mismatch_cnt). */
    private volatile long mismatchSectors;
    /** Whether the current unit has been opened for rewriting (safe mode, bitmap startWrite). */
    private boolean writing;
    private boolean writeFailed;
    /** Members rewritten in the current unit. */
    private int rewritten;

    UnitScrub(SyncTarget a, SyncProgress progress, SyncStop stop) {
        this.a = a;
        this.progress = progress;
        this.stop = stop;
        this.hold = new UnitHold(a, progress, stop);
    }

    /** A new check or repair: md's mismatch_cnt starts again from 0. */
    void reset() {
        mismatchSectors = 0;
    }

    long mismatchSectors() {
        return mismatchSectors;
    }

    /** Members the last {@link #scrub} rewrote (to be flushed by the caller). */
    int rewritten() {
        return rewritten;
    }

    /**
     * Scrubs unit {@code u}: compares {@code others} with {@code source}; with {@code rewrite}
     * writes the differing blocks from the source. False when a member failed (it has been failed
     * then) or the pass was stopped.
     */
    boolean scrub(SyncPlan plan, long u, int source, int others, boolean rewrite) {
        MemberFanout f = a.fanout();
        long unit = a.unitBytes();
        long start = u * unit;
        long end = Math.min(start + unit, a.sizeBytes());
        rewritten = 0;
        writing = false;
        writeFailed = false;
        int piece = f.slotBytes();
        IoSlot src = f.acquire();
        IoSlot other = f.acquire();
        hold.begin(u);
        try {
            for (long pos = start; pos < end; ) {
                int n = (int) Math.min(piece, end - pos);
                hold.retake();
                if (!read(plan, f, src, source, pos, n)) {
                    return false;
                }
                for (int m = others; m != 0; m &= m - 1) {
                    int member = Integer.numberOfTrailingZeros(m);
                    if (!read(plan, f, other, member, pos, n)
                            || !compare(plan, f, u, src, other, member, pos, n, rewrite)) {
                        return false;
                    }
                }
                pos += n;
                long wait = progress.done(n);
                boolean stops = wait > 0 ? hold.pause(wait, plan) : stop.stops(plan);
                if (pos < end && stops) {
                    return false;
                }
            }
            return true;
        } finally {
            if (writing) {
                endRewrite(u);
            }
            f.release(src);
            f.release(other);
            hold.close();
        }
    }

    private boolean read(SyncPlan plan, MemberFanout f, IoSlot s, int member, long pos, int n) {
        try {
            f.read(s, member, pos, n);
            return true;
        } catch (IOException e) {
            LOG.warn("{}: {} read error on member {}: {}", a.name(), plan.action, member, e.getMessage());
            a.failMembers(1 << member, "read error during " + plan.action);
            return false;
        }
    }

    /**
     * Compares the piece block by block; counts each differing block and, with {@code rewrite},
     * writes each run of differing blocks from the source. The run is first copied to the start
     * of the other member's buffer (whose blocks up to the run's end are compared already) so
     * that the slot writes it from offset 0.
     */
    private boolean compare(SyncPlan plan, MemberFanout f, long u, IoSlot src, IoSlot other, int member, long pos,
            int n, boolean rewrite) {
        // The whole buffer: a slot's position and limit are whatever its last holder left (an
        // NBD request of 4 KiB leaves a 4 KiB limit), and the absolute reads below check the limit.
        ByteBuffer s = src.data().clear();
        ByteBuffer o = other.data().clear();
        int runStart = -1;
        for (int at = 0; at <= n; at += BLOCK) {
            boolean differs = at < n && !sameBlock(s, o, at);
            if (differs) {
                mismatchSectors += SECTORS_PER_BLOCK;
                if (runStart < 0) {
                    runStart = at;
                }
                continue;
            }
            if (runStart >= 0 && rewrite) {
                int len = at - runStart;
                if (!rewrite(plan, f, u, s, other, member, pos + runStart, runStart, len)) {
                    return false;
                }
            }
            runStart = -1;
        }
        return true;
    }

    private static boolean sameBlock(ByteBuffer s, ByteBuffer o, int at) {
        for (int i = at; i < at + BLOCK; i += 8) {
            if (s.getLong(i) != o.getLong(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean rewrite(SyncPlan plan, MemberFanout f, long u, ByteBuffer s, IoSlot other, int member,
            long position, int from, int len) {
        if (!writing) {
            beginRewrite(u);
        }
        other.data().put(0, s, from, len);
        int failed = f.write(other, position, len, false, 1 << member);
        if (failed != 0) {
            writeFailed = true;
            a.failMembers(failed, "write error during " + plan.action);
            return false;
        }
        rewritten |= 1 << member;
        return true;
    }

    /** Before the unit's first rewrite: safe mode, then its bit (W1), as for a client write. */
    private void beginRewrite(long u) {
        a.enterWrite(false);
        WriteIntentBitmap bm = a.bitmap();
        if (bm != null) {
            bm.startWrite(u, u);
        }
        writing = true;
    }

    private void endRewrite(long u) {
        WriteIntentBitmap bm = a.bitmap();
        if (bm != null) {
            // A failed rewrite leaves the chunk NEEDED (W4), as a failed client write does.
            bm.endWrite(u, u, !writeFailed);
        }
        a.exitWrite(false);
        writing = false;
    }
}
