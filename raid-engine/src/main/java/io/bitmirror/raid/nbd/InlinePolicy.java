package io.bitmirror.raid.nbd;

/**
 * Decides, for one connection, whether its reader runs a small read or write itself or hands it
 * to a worker. A hand-off (queue, wake a parked thread, switch) costs about 10 to 20 µs on a
 * small VM; a 4 KiB write to tmpfs or the page cache takes a few. Running such requests on the
 * reader, with replies batched, takes the thread switches out of the path. A request that
 * waits on a device (O_DIRECT on a disk) is better overlapped with others on workers.
 *
 * <p>So the reader measures what it runs, in windows of {@link #WINDOW} requests: when most of
 * a window was slower than {@link #SLOW_NANOS}, requests go to workers. Later the reader runs a
 * short probe of {@link #PROBE_WINDOW} requests itself to see whether that still holds: first
 * after {@link #PROBE_NANOS}, then, while probes keep finding slow requests, after twice as long
 * each time up to {@link #MAX_PROBE_NANOS}, because a probe runs requests one at a time that
 * the workers would have overlapped. A majority, not a mean, so that the odd request delayed by
 * preemption does not switch modes. Used by the reader thread only.
 */
final class InlinePolicy {
    /** A request slower than this is worth a hand-off. */
    static final long SLOW_NANOS = 30_000;
    /** Requests per decision while the reader runs them. */
    static final int WINDOW = 32;
    /** Requests per decision in a probe. */
    static final int PROBE_WINDOW = 8;
    /** First wait before the reader probes again. */
    static final long PROBE_NANOS = 1_000_000_000L;
    /** Longest wait between probes. */
    static final long MAX_PROBE_NANOS = 16 * PROBE_NANOS;

    private final Dispatch dispatch;
    private boolean inline;
    private boolean probing;
    private int seen;
    private int slow;
    private long probeAt;
    private long probeEvery = PROBE_NANOS;
    private long switches;

    InlinePolicy(Dispatch dispatch) {
        this.dispatch = dispatch;
        this.inline = dispatch != Dispatch.WORKERS;
    }

    /** True when the reader should run the next eligible request itself. */
    boolean inline(long now) {
        if (!inline && dispatch == Dispatch.AUTO && now - probeAt >= 0) {
            inline = true;
            probing = true;
            seen = 0;
            slow = 0;
        }
        return inline;
    }

    /** The reader ran a request in {@code nanos}. */
    void ran(long nanos, long now) {
        if (dispatch != Dispatch.AUTO) {
            return;
        }
        seen++;
        if (nanos > SLOW_NANOS) {
            slow++;
        }
        int window = probing ? PROBE_WINDOW : WINDOW;
        if (seen < window) {
            return;
        }
        if (2 * slow > window) {
            if (probing) {
                probeEvery = Math.min(MAX_PROBE_NANOS, 2 * probeEvery);
            } else {
                probeEvery = PROBE_NANOS;
            }
            inline = false;
            probeAt = now + probeEvery;
            switches++;
        } else if (probing) {
            probeEvery = PROBE_NANOS;
        }
        probing = false;
        seen = 0;
        slow = 0;
    }

    /** Times the reader gave requests over to the workers. */
    long switches() {
        return switches;
    }
}
