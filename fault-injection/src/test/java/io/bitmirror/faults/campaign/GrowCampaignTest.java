package io.bitmirror.faults.campaign;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.faults.crash.CrashExplorer;
import io.bitmirror.faults.crash.Exploration;
import io.bitmirror.faults.crash.GrowWorkload;
import io.bitmirror.faults.crash.Recorder;
import io.bitmirror.faults.crash.Recording;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grow --bitmap} crashed at every write boundary of every step (none -> internal ->
 * none -> internal, with writes between): every crash point of the log is visited (plus sampled
 * keep/lose subsets of the volatile writes there), and each state assembles, resyncs and keeps
 * the members identical and every promised write (W1 while the superblocks point at a bitmap,
 * IDENTICAL, C1, and L1 at the idle end). The mutant that writes the superblocks' feature bit
 * before the bitmap area is caught: a crash in between assembles superblocks that point at no
 * bitmap. Replay with -Dseed=N.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GrowCampaignTest {
    @TempDir
    Path dir;

    @Test
    void crashAtEveryStepOfGrowBreaksNothing() throws Exception {
        long seed = io.bitmirror.faults.Seeds.seed(42);
        Recording r = Recorder.record(new GrowWorkload(30, false), seed, Mutant.NONE, dir.resolve("rec"));
        long budget = Math.max(Long.getLong("grow.states", 600), 2L * r.log().size());
        Exploration e = new CrashExplorer(r, seed).explore(budget, 2, dir.resolve("x"));
        System.out.printf("grow campaign: %d log entries, %d states, %d violations, seed %d%n", e.logEntries(),
                e.states(), e.violations(), seed);
        // Every seq of the log is a crash point the generator visits before it samples again.
        assertTrue(e.states() >= e.logEntries(), "states " + e.states() + " < log entries " + e.logEntries());
        assertTrue(e.livenessChecked(), "ends idle, whole and in sync: L1 checked");
        assertEquals(0, e.violations(), () -> "seed " + seed + ": " + e.first().get(0).describe());
    }

    @Test
    void superblockBeforeBitmapMutantIsCaught() throws Exception {
        long seed = io.bitmirror.faults.Seeds.seed(42);
        Recording r = Recorder.record(new GrowWorkload(30, true), seed, Mutant.NONE, dir.resolve("rec"));
        long budget = Math.max(600, 2L * r.log().size());
        Exploration e = new CrashExplorer(r, seed).explore(budget, 2, dir.resolve("x"));
        System.out.printf("grow mutant: %d log entries, %d states, %d violations %s, seed %d%n", e.logEntries(),
                e.states(), e.violations(), e.byCheck(), seed);
        assertTrue(e.violations("ASSEMBLE") > 0, "the superblock-first mutant is caught: " + e.byCheck());
        assertTrue(e.first().get(0).detail().contains("bitmap"), e.first().get(0).describe());
    }
}
