package io.bitmirror.faults.crash;

import java.util.SplittableRandom;

/**
 * Changed-block tracking while clients write: a bitmap is started, writes (some FUA, some
 * flushes) go to the hot regions, the bitmap is cleared as after a backup, and the writes go on,
 * so tracking bits are set again on chunks whose write-intent bits are still set (the path where
 * only the tracking bit must be waited for).
 */
public final class ChangeTrackingWorkload implements Workload {
    private final int ops;

    public ChangeTrackingWorkload(int ops) {
        this.ops = ops;
    }

    @Override
    public String name() {
        return "change-tracking";
    }

    @Override
    public void run(WorkloadContext ctx) throws Exception {
        SplittableRandom r = ctx.random();
        ctx.trackChanges("crash");
        for (int op = 0; op < ops; op++) {
            int kind = r.nextInt(100);
            if (kind < 8) {
                ctx.flush();
            } else if (kind < 16) {
                ctx.clearChanges("crash");
            } else {
                int first = RandomWritesWorkload.hotBlock(ctx, r);
                ctx.write(first, 1 + r.nextInt(Math.min(8, ctx.blocks() - first)), kind < 24);
            }
        }
    }
}
