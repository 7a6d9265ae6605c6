package io.bitmirror.faults.crash;

import java.util.SplittableRandom;

/**
 * A member fails and comes back: writes, then member 1 is failed; writes with idle pauses and
 * flushes while degraded (the daemon must not clear, W4); member 1 is removed and re-added and
 * catches up from the bitmap while writes go on; then more writes once it is in sync.
 */
public final class DegradedWorkload implements Workload {
    private final int opsPerPhase;

    public DegradedWorkload(int opsPerPhase) {
        this.opsPerPhase = opsPerPhase;
    }

    @Override
    public String name() {
        return "degraded-readd";
    }

    @Override
    public long recordingMaxSpeedKiB() {
        // Slow enough that the recovery is still running while the next writes go out.
        return 4_000;
    }

    @Override
    public void run(WorkloadContext ctx) throws Exception {
        SplittableRandom r = ctx.random();
        phase(ctx, r, opsPerPhase);
        ctx.flush();
        coldWrites(ctx);
        ctx.fail(1);
        // The degraded phase is the longest: it is where W4 can break.
        phase(ctx, r, opsPerPhase * 2);
        ctx.remove(1);
        phase(ctx, r, opsPerPhase / 2);
        ctx.reAdd(1);
        phase(ctx, r, opsPerPhase / 2);
        ctx.awaitSyncIdle(30_000);
        phase(ctx, r, opsPerPhase / 2);
    }

    /**
     * One write in the middle of each gap between the hot regions, just before the failure. Their
     * chunks are dirty when the member fails (no flush since, so not even a mutant may clear them
     * before), and the degraded phase never writes them again (which would mark them NEEDED and
     * keep them set anyway): from the first flush while degraded on, only W4 keeps their bits
     * set. Without them, whether a chunk is in that state depends on thread timing.
     */
    private static void coldWrites(WorkloadContext ctx) throws Exception {
        int quarter = ctx.blocks() / 4;
        for (int region = 0; region < 4; region++) {
            int first = region * quarter + (RandomWritesWorkload.HOT_BLOCKS + quarter) / 2;
            ctx.write(first, 1, false);
        }
    }

    private static void phase(WorkloadContext ctx, SplittableRandom r, int ops) throws Exception {
        for (int op = 0; op < ops; op++) {
            int kind = r.nextInt(100);
            if (kind < 10) {
                ctx.flush();
            } else if (kind < 22) {
                // Long enough for two daemon passes and a housekeeping flush: bits would be cleared.
                ctx.pause(10 + r.nextInt(30));
            } else {
                int first = RandomWritesWorkload.hotBlock(ctx, r);
                ctx.write(first, 1 + r.nextInt(Math.min(4, ctx.blocks() - first)), kind < 27);
            }
        }
    }
}
