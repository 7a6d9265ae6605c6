package io.bitmirror.faults.crash;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * md's scrub while clients write: silent corruption is planted on member 1 before assembly (a
 * few 4 KiB blocks, most in cold chunks, two in the hot regions where writes overwrite them);
 * writes; a check, rate-limited, with writes, flushes and FUA writes going on meanwhile (the check
 * and the writes take turns at the sync barrier); a repair likewise, which rewrites the planted
 * blocks from member 0 while writes go on; then writes once it is done. A crash anywhere must
 * leave an array that assembles and, after resync, differs from the created one only where
 * corruption is planted and no repair reached it yet (the checker's rules for planted blocks).
 */
public final class ScrubWorkload implements Workload {
    /** Blocks of silent corruption. */
    static final int PLANTED = 8;

    private final int opsPerPhase;

    public ScrubWorkload(int opsPerPhase) {
        this.opsPerPhase = opsPerPhase;
    }

    @Override
    public String name() {
        return "check-repair-in-progress";
    }

    @Override
    public long recordingMaxSpeedKiB() {
        // About a second per pass over the 3 MiB array: the writes of a phase fall inside it.
        return 3_000;
    }

    @Override
    public List<History.Planted> plant(Geometry g, SplittableRandom r) {
        int blocks = (int) (g.arrayBytes() / WorkloadContext.BLOCK);
        List<History.Planted> out = new ArrayList<>();
        for (int i = 0; i < PLANTED; i++) {
            int block;
            if (i < 2) {
                // In a hot region: a client write may overwrite it before the repair comes.
                block = i * (blocks / 4) + r.nextInt(RandomWritesWorkload.HOT_BLOCKS);
            } else {
                // Anywhere outside the hot regions: only the repair changes it.
                do {
                    block = r.nextInt(blocks);
                } while (block % (blocks / 4) < RandomWritesWorkload.HOT_BLOCKS || taken(out, block));
            }
            byte[] junk = new byte[WorkloadContext.BLOCK];
            r.nextBytes(junk);
            out.add(new History.Planted(1, (long) block * WorkloadContext.BLOCK, junk));
        }
        return out;
    }

    private static boolean taken(List<History.Planted> out, int block) {
        for (History.Planted p : out) {
            if (p.offset() == (long) block * WorkloadContext.BLOCK) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void run(WorkloadContext ctx) throws Exception {
        SplittableRandom r = ctx.random();
        phase(ctx, r, opsPerPhase / 2);
        ctx.syncAction("check");
        phase(ctx, r, opsPerPhase);
        ctx.awaitSyncActionIdle(30_000);
        ctx.syncAction("repair");
        phase(ctx, r, opsPerPhase);
        ctx.awaitSyncActionIdle(30_000);
        phase(ctx, r, opsPerPhase / 2);
    }

    private static void phase(WorkloadContext ctx, SplittableRandom r, int ops) throws Exception {
        for (int op = 0; op < ops; op++) {
            int kind = r.nextInt(100);
            if (kind < 10) {
                ctx.flush();
            } else if (kind < 25) {
                // Spread the phase over the pass: it goes on meanwhile.
                ctx.pause(5 + r.nextInt(25));
            } else {
                int first = RandomWritesWorkload.hotBlock(ctx, r);
                ctx.write(first, 1 + r.nextInt(Math.min(4, ctx.blocks() - first)), kind < 30);
            }
        }
    }
}
