package io.bitmirror.faults.campaign;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.faults.crash.CrashExplorer;
import io.bitmirror.faults.crash.Exploration;
import io.bitmirror.faults.crash.History;
import io.bitmirror.faults.crash.Recorder;
import io.bitmirror.faults.crash.Recording;
import io.bitmirror.faults.crash.ScrubWorkload;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes with a check and a repair in progress and writes going on: the recording really has
 * both passes interleaved with client writes and the repair's rewrites in its log, and no crash
 * state breaks W1, W4, IDENTICAL (planted corruption allowed only where no repair reached it
 * yet, none after the repair finished) or C1. Replay with -Dseed=N.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ScrubCampaignTest {
    @TempDir
    Path dir;

    @Test
    void checkAndRepairInProgressBreakNothing() throws Exception {
        long seed = io.bitmirror.faults.Seeds.seed(42);
        Recording r = Recorder.record(new ScrubWorkload(40), seed, Mutant.NONE, dir.resolve("rec"));
        History h = r.history();
        assertEquals(8, h.planted().size(), "silent corruption planted");
        assertEquals(List.of("check", "repair"), h.scrubs().stream().map(History.Scrub::action).toList());
        for (History.Scrub sc : h.scrubs()) {
            assertTrue(sc.endSeq() != Long.MAX_VALUE, sc + " was seen over");
            long writesDuring = h.writes().stream().filter(w -> w.startSeq() >= sc.startSeq()
                    && w.ackSeq() <= sc.endSeq()).count();
            assertTrue(writesDuring > 0, "client writes while the " + sc.action() + " ran");
        }
        assertNotNull(h.idle(), "the run ends idle, whole and in sync: L1 checked");
        Exploration e = new CrashExplorer(r, seed).explore(Long.getLong("scrub.states", 600), 2, dir.resolve("x"));
        System.out.printf("scrub campaign: %d log entries, %d states, %d violations, seed %d%n", e.logEntries(),
                e.states(), e.violations(), seed);
        assertTrue(e.states() >= 300, "states explored: " + e.states());
        assertEquals(0, e.violations(), () -> "seed " + seed + ": " + e.first().get(0).describe());
    }
}
