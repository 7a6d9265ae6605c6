package io.bitmirror.faults.crash;

import java.util.SplittableRandom;

/**
 * Sporadic writes: one small write at a time, each followed by an idle pause long enough for two
 * bitmap daemon passes but shorter than the housekeeping flush and safe mode. Nothing else
 * flushes the members in between, so the daemon's lazy clearing must wait for a member flush
 * (W2); a clear that does not wait reaches the disk while the chunk's data is still volatile.
 *
 * <p>The pause must really end after the clear: the next write dirties a new chunk, and the
 * flush of that bitmap epoch would make the previous write durable before a hasty clear is
 * written, leaving the bug no window. Two daemon passes decide a clear at most two periods after
 * the write returned; the third period is slack for a daemon thread that runs late.
 */
public final class SparseWritesWorkload implements Workload {
    /** Shortest pause after a write: two daemon passes and one period of slack. */
    static final long MIN_PAUSE_MILLIS = 3 * Recorder.DAEMON_SLEEP_MILLIS;
    /** Longest pause: below safe mode, which would flush the members on its own. */
    static final long MAX_PAUSE_MILLIS = Recorder.SAFE_MODE_MILLIS - 2 * Recorder.DAEMON_SLEEP_MILLIS;

    private final int ops;

    public SparseWritesWorkload(int ops) {
        this.ops = ops;
    }

    @Override
    public String name() {
        return "sparse-writes";
    }

    @Override
    public void run(WorkloadContext ctx) throws Exception {
        SplittableRandom r = ctx.random();
        for (int op = 0; op < ops; op++) {
            int kind = r.nextInt(100);
            if (kind < 8) {
                ctx.flush();
            } else {
                writeThenIdle(ctx, r, kind < 14);
            }
        }
    }

    /**
     * One small write anywhere, then an idle pause long enough for the daemon's passes and
     * shorter than safe mode (also the write-behind workload's sporadic write).
     */
    static void writeThenIdle(WorkloadContext ctx, SplittableRandom r, boolean fua) throws Exception {
        int first = r.nextInt(ctx.blocks());
        ctx.write(first, 1 + r.nextInt(Math.min(2, ctx.blocks() - first)), fua);
        ctx.pause(MIN_PAUSE_MILLIS + r.nextLong(MAX_PAUSE_MILLIS - MIN_PAUSE_MILLIS + 1));
    }
}
