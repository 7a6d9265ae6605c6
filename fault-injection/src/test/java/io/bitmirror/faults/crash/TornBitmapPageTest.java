package io.bitmirror.faults.crash;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.faults.record.LogEntry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A torn bitmap page write is harmless (docs/FAULT-INJECTION.md): a page write is flushed before
 * any data write of its epoch is issued, so it can only be torn by a crash before that flush
 * completed, when no data write that needs its new bits has gone out yet; bits it was clearing
 * that stay set only cost resync time. Checked here on every volatile bitmap page write of a
 * recorded run, torn in several sector patterns, with everything else kept or lost.
 */
class TornBitmapPageTest {
    /** Sector patterns of a torn 4 KiB page (bit i: sector i landed). */
    private static final long[] TEARS = {0x01, 0xFE, 0x0F, 0xF0, 0x55, 0xAA};

    @TempDir
    Path dir;

    @Test
    void tornBitmapPageWritesAreHarmless() throws Exception {
        long seed = io.bitmirror.faults.Seeds.seed(21);
        Path scratch = Files.createDirectories(dir.resolve("x"));
        Recording r = Recorder.record(new RandomWritesWorkload(60), seed, Mutant.NONE, dir.resolve("rec"));
        Checker checker = new Checker(r, scratch);
        Geometry g = r.geometry();
        int checked = 0;
        List<Violation> found = new ArrayList<>();
        for (LogEntry e : r.log()) {
            boolean bitmapPage = e.isWrite() && !e.fua() && e.position() >= g.bitmapOffset()
                    && e.position() < g.dataOffset();
            if (!bitmapPage || checked >= 120) {
                continue;
            }
            long k = e.seq();
            for (long tear : TEARS) {
                for (boolean keepOthers : new boolean[] {true, false}) {
                    found.addAll(checker.check(state(r, k, e, tear, keepOthers)));
                    checked++;
                }
            }
        }
        assertTrue(checked > 20, "enough torn page writes: " + checked);
        assertTrue(found.isEmpty(), "seed " + seed + ": " + (found.isEmpty() ? "" : found.get(0).describe()));
    }

    /** Crash right after {@code torn} completed: it is torn, the other volatile writes all kept or all lost. */
    private static CrashState state(Recording r, long k, LogEntry torn, long tear, boolean keepOthers) {
        long[][] kept = new long[r.members()][];
        long[][] masks = new long[r.members()][];
        for (int m = 0; m < r.members(); m++) {
            List<Long> ks = new ArrayList<>();
            List<Long> ms = new ArrayList<>();
            for (LogEntry v : r.volatileWrites(m, k)) {
                if (v.seq() == torn.seq()) {
                    ks.add(v.seq());
                    ms.add(tear);
                } else if (keepOthers) {
                    ks.add(v.seq());
                    ms.add(CrashState.WHOLE);
                }
            }
            kept[m] = ks.stream().mapToLong(Long::longValue).toArray();
            masks[m] = ms.stream().mapToLong(Long::longValue).toArray();
        }
        return new CrashState(k, kept, masks);
    }
}
