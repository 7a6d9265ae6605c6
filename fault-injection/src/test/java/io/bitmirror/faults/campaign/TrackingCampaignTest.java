package io.bitmirror.faults.campaign;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.faults.crash.ChangeTrackingWorkload;
import io.bitmirror.faults.crash.CrashExplorer;
import io.bitmirror.faults.crash.Exploration;
import io.bitmirror.faults.crash.Recorder;
import io.bitmirror.faults.crash.Recording;
import io.bitmirror.faults.crash.TrackingCheck;
import io.bitmirror.faults.crash.Violation;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * T1 in the crash explorer: with changed-block tracking on (started, cleared as after backups,
 * written), every completed data write has its chunk's tracking bit in the file as synced before
 * it, and the crash states pass every other check; the {@code CBT} mutant (writers do not wait
 * for their tracking bit) is caught by the same check.
 */
class TrackingCampaignTest {
    @TempDir
    Path dir;

    @Test
    void everyWriteHasItsTrackingBitOnDiskAndTheMutantIsCaught() throws Exception {
        long seed = Long.getLong("seed", 1313L);
        Recording r = Recorder.record(new ChangeTrackingWorkload(120), seed, Mutant.NONE, dir.resolve("rec"));
        List<Violation> ok = TrackingCheck.check(r);
        assertEquals(List.of(), ok, "seed " + seed);
        Exploration e = new CrashExplorer(r, seed).explore(Long.getLong("tracking.states", 300), 2, dir.resolve("x"));
        System.out.printf("change-tracking: %d crash states, %d violations (seed %d)%n", e.states(), e.violations(), seed);
        assertEquals(0, e.violations(), () -> "seed " + seed + ": " + e.first().get(0).describe());

        int caught = 0;
        for (long s = seed; s < seed + 5 && caught == 0; s++) {
            Recording m = Recorder.record(new ChangeTrackingWorkload(120), s, Mutant.CBT, dir.resolve("rec-m"));
            List<Violation> v = TrackingCheck.check(m);
            if (!v.isEmpty()) {
                caught++;
                System.out.println("CBT mutant caught: " + v.get(0).describe());
            }
        }
        assertTrue(caught > 0, "the CBT mutant went unnoticed in 5 recordings");
    }
}
