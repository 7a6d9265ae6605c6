package io.bitmirror.faults.campaign;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.faults.crash.DegradedWorkload;
import io.bitmirror.faults.crash.RandomWritesWorkload;
import io.bitmirror.faults.crash.SparseWritesWorkload;
import io.bitmirror.faults.crash.Workload;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Each mutant breaks one invariant while recording; the explorer must find violations. Each runs
 * on the workload where its bug can show: W1 anywhere data follows a new bit, W2 where nothing but
 * the daemon's own epoch flushes after a write (sparse writes), W4 where a member fails.
 */
class MutantCampaignTest {

    /**
     * Runs the campaign; when a recording happens to give the bug no window (the log depends on
     * thread timing, not only on the seed), records again with the next seed, up to three
     * recordings. A mutant that shows in none of three is a real miss.
     */
    private static CampaignResult run(MutantName m, Workload w, long states) throws Exception {
        long first = io.bitmirror.faults.Seeds.seed(42);
        CampaignResult r = null;
        for (long seed = first; seed < first + 3; seed++) {
            r = new Campaign(states, seed, m, List.of(w), 2).run();
            System.out.printf("mutant %s: %d states, %d violations, %.1f s%n  first: %s%n", m.cliName(), r.states(),
                    r.violations(), r.seconds(), r.firstViolation() == null ? "-" : r.firstViolation().describe());
            if (r.violations() > 0) {
                break;
            }
        }
        return r;
    }

    @Test
    void w1DataBeforeBitmapIsCaught() throws Exception {
        CampaignResult r = run(MutantName.W1_DATA_BEFORE_BITMAP, new RandomWritesWorkload(150), 300);
        assertTrue(r.violations() > 0, "W1 mutant not caught (seed " + r.seed() + ")");
    }

    @Test
    void w2ClearBeforeFlushIsCaught() throws Exception {
        CampaignResult r = run(MutantName.W2_CLEAR_BEFORE_FLUSH, new SparseWritesWorkload(60), 1_200);
        assertTrue(r.violations() > 0, "W2 mutant not caught (seed " + r.seed() + ")");
    }

    @Test
    void w4ClearWhileDegradedIsCaught() throws Exception {
        CampaignResult r = run(MutantName.W4_CLEAR_WHILE_DEGRADED, new DegradedWorkload(40), 500);
        assertTrue(r.violations() > 0, "W4 mutant not caught (seed " + r.seed() + ")");
        assertEquals("W4", r.firstViolation().check());
    }
}
