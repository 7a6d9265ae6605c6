package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, defect 7: the initial resync of a new array honours --speed-limit-max over every
 * window of two seconds or more, its progress in detail moves in small steps (not one bitmap
 * chunk of 64 MiB at a time), and the log calls it an initial resync, not a crash recovery.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ResyncSpeedLimitTest {
    @TempDir
    Path dir;

    private static final Pattern PROGRESS = Pattern.compile("resync = ([0-9.]+)% \\((\\d+)/(\\d+)\\)");

    @Test
    void initialResyncHonoursTheMaximumAndShowsFineProgress() throws Exception {
        List<Path> m = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path p = dir.resolve("m" + i + ".img");
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(128L << 20);
            }
            m.add(p);
        }
        // No --assume-clean: every chunk starts dirty; the default chunk here is 64 MiB.
        Cli.Result c = Cli.run("create", "-l1", "-n2", m.get(0).toString(), m.get(1).toString());
        assertEquals(0, c.rc(), c.err());
        long max = 20_000;
        List<long[]> seen = new ArrayList<>();
        TreeSet<String> percents = new TreeSet<>();
        try (ArrayProcess a = ArrayProcess.start(dir, List.of("--speed-limit-max=" + max), m)) {
            long end = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < end) {
                String d = a.detail();
                long t = System.nanoTime();
                Matcher p = PROGRESS.matcher(d);
                if (!p.find()) {
                    if (!seen.isEmpty() || !d.contains("resync")) {
                        break;
                    }
                    continue;
                }
                percents.add(p.group(1));
                seen.add(new long[] {t, Long.parseLong(p.group(2))});
                Thread.sleep(100);
            }
            assertTrue(seen.size() >= 10, "the resync was watched while it ran: " + seen.size() + " samples");
            assertTrue(percents.size() >= 8, "progress in small steps: " + percents);
            // Every window of 2 s or more between two samples: at most 10% over the limit.
            for (int i = 0; i < seen.size(); i++) {
                for (int j = i + 1; j < seen.size(); j++) {
                    long nanos = seen.get(j)[0] - seen.get(i)[0];
                    if (nanos < 2_000_000_000L) {
                        continue;
                    }
                    double kibPerSec = (seen.get(j)[1] - seen.get(i)[1]) * 1e9 / nanos;
                    assertTrue(kibPerSec <= max * 1.1, String.format("%.0f KiB/s over %.1f s > %d * 1.1",
                            kibPerSec, nanos / 1e9, max));
                }
            }
            long first = seen.get(0)[0];
            long last = seen.get(seen.size() - 1)[0];
            double overall = (seen.get(seen.size() - 1)[1] - seen.get(0)[1]) * 1e9 / (last - first);
            assertTrue(overall > max * 0.5, "the resync ran near its limit, not far below: " + overall + " KiB/s");
            String log = a.output();
            assertTrue(log.contains("initial resync"), log);
            assertFalse(log.contains("not stopped cleanly"), log);
            assertEquals(0, a.stop(), a.output());
            // One format for every line of a running array, its start and stop included.
            String out = a.output();
            LogLines.assertAllFormatted(out);
            assertTrue(out.contains("started, exported at ") && out.contains("stopped cleanly"), out);
        }
    }
}
