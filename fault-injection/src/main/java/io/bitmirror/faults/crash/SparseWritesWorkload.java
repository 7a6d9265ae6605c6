package io.bitmirror.faults.crash;

import java.util.SplittableRandom;

/**
 * Sporadic writes: one small write at a time, each followed by an idle pause long enough for two
 * bitmap daemon passes but shorter than the housekeeping flush and safe mode. Nothing else
 * flushes the members in between, so the daemon's lazy clearing must wait for a member flush
 * (W2); a clear that does not wait reaches the disk while the chunk's data is still volatile.
 */
public final class SparseWritesWorkload implements Workload {
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
                int first = r.nextInt(ctx.blocks());
                ctx.write(first, 1 + r.nextInt(Math.min(2, ctx.blocks() - first)), kind < 14);
                ctx.pause(12 + r.nextInt(16));
            }
        }
    }
}
