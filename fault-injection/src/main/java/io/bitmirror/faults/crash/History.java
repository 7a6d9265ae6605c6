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

    /**
     * Silent corruption planted on one member before the array was assembled (behind its back):
     * {@code data} at array byte {@code offset} of {@code member} only. What a check counts and a
     * repair rewrites; until then the members differ there, with no bit set, by design.
     */
    public record Planted(int member, long offset, byte[] data) {
    }

    /**
     * A check or repair: asked for at {@code startSeq}, seen over (sync_action idle again) at
     * {@code endSeq}, Long.MAX_VALUE while not seen over. A finished repair has flushed what it
     * rewrote.
     */
    public record Scrub(String action, long startSeq, long endSeq) {
    }

    private final List<Scrub> scrubs = new ArrayList<>();
    /** A changed-block bitmap file as it was on disk right after a sync, at log seq {@code seq}. */
    public record TrackingSync(long seq, byte[] file) {
    }

    private final List<TrackingSync> trackingSyncs = new ArrayList<>();
    private long trackingFrom = -1;

    /** Tracking started (the bitmap was durable and attached) at {@code seq}. */
    public synchronized void trackingStarted(long seq) {
        trackingFrom = seq;
    }

    /** Seq from which every data write must have its tracking bit durable, or -1: no tracking. */
    public synchronized long trackingFrom() {
        return trackingFrom;
    }

    public synchronized void trackingSynced(TrackingSync s) {
        trackingSyncs.add(s);
    }

    public synchronized List<TrackingSync> trackingSyncs() {
        return List.copyOf(trackingSyncs);
    }
    private Idle idle;
    private final List<Planted> planted = new ArrayList<>();
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

    void scrub(Scrub sc) {
        scrubs.add(sc);
    }

    /** Closes the open scrub: it was seen over at {@code endSeq}. */
    void endScrub(long endSeq) {
        for (int i = 0; i < scrubs.size(); i++) {
            Scrub sc = scrubs.get(i);
            if (sc.endSeq() == Long.MAX_VALUE) {
                scrubs.set(i, new Scrub(sc.action(), sc.startSeq(), endSeq));
            }
        }
    }

    public List<Scrub> scrubs() {
        return scrubs;
    }

    /** Whether a repair was over (its rewrites flushed) by crash point {@code k}. */
    public boolean repairedBy(long k) {
        for (Scrub sc : scrubs) {
            if (sc.action().equals("repair") && sc.endSeq() <= k) {
                return true;
            }
        }
        return false;
    }

    void planted(Planted p) {
        planted.add(p);
    }

    public List<Planted> planted() {
        return planted;
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
