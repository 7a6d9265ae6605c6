package io.bitmirror.faults.crash;

import java.util.SplittableRandom;

/**
 * Write-behind: member 1 is write-mostly with a port whose writes land late and out of order
 * ({@link io.bitmirror.faults.faulty.LaggingPortDevice}), and the bitmap allows a few writes
 * behind. Sporadic writes with pauses long enough for the daemon's passes, bursts that fill the
 * write-behind limit, rewrites of the same blocks (overlapping writes behind), flushes. A crash
 * may find writes acknowledged that member 1 does not have: their chunks' bits must still be
 * set on disk (W2 with writes behind), and assembly must copy them (C1).
 */
public final class WriteBehindWorkload implements Workload {
    /** The bitmap's write-behind limit while recording: small, so writers wait for it too. */
    static final int WRITE_BEHIND = 8;
    /** Member 1's longest lag: several daemon passes, so a bit let go early gets cleared. */
    static final long LAG_MILLIS = 20 * Recorder.DAEMON_SLEEP_MILLIS;

    private final int ops;

    public WriteBehindWorkload(int ops) {
        this.ops = ops;
    }

    @Override
    public String name() {
        return "write-behind";
    }

    @Override
    public int writeBehind() {
        return WRITE_BEHIND;
    }

    @Override
    public long behindLagMillis() {
        return LAG_MILLIS;
    }

    @Override
    public void run(WorkloadContext ctx) throws Exception {
        SplittableRandom r = ctx.random();
        for (int op = 0; op < ops; op++) {
            int kind = r.nextInt(100);
            if (kind < 8) {
                ctx.flush();
            } else if (kind < 20) {
                // A burst over a few hot blocks: overlapping writes behind, the limit reached.
                for (int i = 0; i < WRITE_BEHIND + 4; i++) {
                    int first = RandomWritesWorkload.hotBlock(ctx, r);
                    ctx.write(first, 1, false);
                }
            } else {
                // Idle long enough for the daemon's passes while the copy is still behind.
                SparseWritesWorkload.writeThenIdle(ctx, r, kind < 26);
            }
        }
    }
}
