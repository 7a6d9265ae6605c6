package io.bitmirror.faults.crash;

import java.util.SplittableRandom;

/**
 * Writes during a resync: the array is created without --assume-clean (every chunk dirty, the
 * superblock unclean), so assembly starts a full resync, rate-limited so that the workload's
 * writes, flushes and FUA writes race with it (per-chunk barrier, checkpoints); then more writes
 * after it finished.
 */
public final class ResyncWorkload implements Workload {
    private final int ops;

    public ResyncWorkload(int ops) {
        this.ops = ops;
    }

    @Override
    public String name() {
        return "resync-in-progress";
    }

    @Override
    public boolean assumeClean() {
        return false;
    }

    @Override
    public long recordingMaxSpeedKiB() {
        return 6_000;
    }

    @Override
    public void run(WorkloadContext ctx) throws Exception {
        SplittableRandom r = ctx.random();
        for (int op = 0; op < ops; op++) {
            int kind = r.nextInt(100);
            if (kind < 10) {
                ctx.flush();
            } else if (kind < 16) {
                ctx.pause(5 + r.nextInt(20));
            } else {
                int first = r.nextInt(ctx.blocks());
                ctx.write(first, 1 + r.nextInt(Math.min(8, ctx.blocks() - first)), kind < 22);
            }
            if (op == ops / 2) {
                ctx.awaitSyncIdle(30_000);
            }
        }
    }
}
