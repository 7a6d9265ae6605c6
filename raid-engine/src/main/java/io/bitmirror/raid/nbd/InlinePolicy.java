package io.bitmirror.raid.nbd;

/**
 * Decides, for one connection, whether its reader runs a small read or write itself or hands it
 * to a worker. A hand-off (queue, wake a parked thread, switch) costs about 10 to 20 µs on a
 * small VM; a 4 KiB write to tmpfs or the page cache takes a few. Running such requests on the
 * reader, with replies batched, takes the thread switches out of the path. A request that
 * waits on a device (O_DIRECT on a disk) is better overlapped with others on workers.
 *
 * <p>So the reader measures what it runs, in windows of {@link #WINDOW} requests: when most of
 * a window was slower than {@link #SLOW_NANOS}, requests go to workers, and every
 * {@link #PROBE_NANOS} one window is run on the reader again to see whether that still holds.
 * A majority, not a mean, so that the odd request delayed by preemption does not switch modes.
 * Used by the reader thread only.
 */
final class InlinePolicy {
    /** A request slower than this is worth a hand-off. */
    static final long SLOW_NANOS = 30_000;
    /** Requests per decision. */
    static final int WINDOW = 32;
    /** How long requests stay with the workers before the reader tries again. */
    static final long PROBE_NANOS = 1_000_000_000L;

    private final Dispatch dispatch;
    private boolean inline;
    private int seen;
    private int slow;
    private long probeAt;
    private long switches;

    InlinePolicy(Dispatch dispatch) {
        this.dispatch = dispatch;
        this.inline = dispatch != Dispatch.WORKERS;
    }

    /** True when the reader should run the next eligible request itself. */
    boolean inline(long now) {
        if (!inline && dispatch == Dispatch.AUTO && now - probeAt >= 0) {
            inline = true;
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
        if (seen == WINDOW) {
            if (2 * slow > WINDOW) {
                inline = false;
                probeAt = now + PROBE_NANOS;
                switches++;
            }
            seen = 0;
            slow = 0;
        }
    }

    /** Times the reader gave requests over to the workers. */
    long switches() {
        return switches;
    }
}
