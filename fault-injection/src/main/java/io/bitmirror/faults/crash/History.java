package io.bitmirror.faults.crash;

import java.util.ArrayList;
import java.util.List;

/**
 * What the workload asked of the array and when, in log seqs: the oracle for C1 and W4.
 * Written by the workload thread only (array calls are synchronous and sequential there).
 */
public final class History {

    /**
     * A write (or trim: zeroes) through the array.
     *
     * @param offset array byte offset
     * @param data what was written
     * @param fua written with FUA
     * @param startSeq log seq when it was issued (nothing of it is in the log up to here)
     * @param ackSeq log seq when it returned (all of its member writes are in the log by here)
     */
    public record Write(long offset, byte[] data, boolean fua, long startSeq, long ackSeq) {
    }

    /** An array flush: issued at {@code startSeq}, returned at {@code endSeq}. */
    public record Flush(long startSeq, long endSeq) {
    }

    /**
     * A degraded period: {@code failed} was failed at {@code fromSeq}; until {@code untilSeq} (its
     * re-add, or the end) no bit may be cleared on {@code survivor}.
     */
    public record Degraded(int failed, int survivor, long fromSeq, long untilSeq) {
    }

    /**
     * The idle end of a recording (L1): from {@code fromSeq} on the array was whole, in sync and
     * had nothing in flight, for {@code millis}, which is {@code periods} daemon_sleep periods.
     */
    public record Idle(long fromSeq, long millis, long periods) {
    }

    private Idle idle;
    private final List<Write> writes = new ArrayList<>();
    private final List<Flush> flushes = new ArrayList<>();
    private final List<Degraded> degraded = new ArrayList<>();

    void write(Write w) {
        writes.add(w);
    }

    void flush(Flush f) {
        flushes.add(f);
    }

    void degraded(Degraded d) {
        degraded.add(d);
    }

    /** Closes an open degraded period (re-add or end of workload). */
    void endDegraded(int failed, long untilSeq) {
        for (int i = 0; i < degraded.size(); i++) {
            Degraded d = degraded.get(i);
            if (d.failed() == failed && d.untilSeq() == Long.MAX_VALUE) {
                degraded.set(i, new Degraded(d.failed(), d.survivor(), d.fromSeq(), untilSeq));
            }
        }
    }

    void idle(Idle i) {
        idle = i;
    }

    /** The idle end, or null when the run did not end whole and in sync (no L1 check then). */
    public Idle idle() {
        return idle;
    }

    public List<Write> writes() {
        return writes;
    }

    public List<Flush> flushes() {
        return flushes;
    }

    public List<Degraded> degradedPeriods() {
        return degraded;
    }

    /**
     * Highest issue seq of a flush that had returned by crash point {@code k}: every write that
     * returned by then is durable at {@code k}. -1 when none.
     */
    public long durableBarrier(long k) {
        long best = -1;
        for (Flush f : flushes) {
            if (f.endSeq() <= k && f.startSeq() > best) {
                best = f.startSeq();
            }
        }
        return best;
    }

    /** Whether the array promised {@code w} durable at crash point {@code k} (C1). */
    public static boolean promised(Write w, long k, long barrier) {
        return w.ackSeq() <= barrier || (w.fua() && w.ackSeq() <= k);
    }
}
