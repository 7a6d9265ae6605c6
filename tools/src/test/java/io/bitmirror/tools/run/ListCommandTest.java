package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.External;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run directory: a running array registers itself, {@code list} shows it like /proc/mdstat
 * (and as JSON), a stale entry (dead pid) is removed, {@code stop NAME} finds the socket there and
 * the entry goes away. {@code list} and {@code stop} run as processes of their own, with the
 * test's run directory in their environment.
 */
class ListCommandTest {
    @TempDir
    Path dir;

    private External.Run bitmirror(String... args) throws Exception {
        List<String> cmd = ArrayProcess.javaCommand();
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.bitmirror.tools.Main"));
        cmd.addAll(List.of(args));
        return External.run(Map.of("BITMIRROR_RUN_DIR", dir.resolve("run").toString()), cmd.toArray(String[]::new));
    }

    @Test
    void listShowsTheRunningArrayAndStopByNameRemovesIt() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20, "-N", "web");
        Path stale = dir.resolve("run/00000000000000000000000000000001.array");
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            List<Path> entries = new ArrayList<>();
            try (var s = Files.list(dir.resolve("run"))) {
                s.forEach(entries::add);
            }
            assertEquals(1, entries.size(), entries.toString());
            assertTrue(Files.readString(entries.get(0)).contains("pid=" + a.process.pid()));
            // An entry left by a crashed array: its pid is no process.
            Files.writeString(stale, "pid=2147483647\nname=h:gone\nuuid=00000000:00000000:00000000:00000001\n"
                    + "export=x\ncontrol=/nonexistent\n");

            External.Run l = bitmirror("list");
            assertEquals(0, l.rc(), l.err());
            String[] lines = l.out().split("\n");
            assertTrue(lines[0].matches("web : \\S.* raid1 \\S*m0\\.img\\[0\\] \\S*m1\\.img\\[1\\]"), l.out());
            assertTrue(lines[1].contains("pid " + a.process.pid() + ", export " + a.uri() + ", control " + a.control),
                    l.out());
            assertEquals("bitmirror: removed stale entry of h:gone (pid 2147483647 is gone)\n", l.err());
            assertFalse(Files.exists(stale), "the stale entry was cleaned");

            External.Run j = bitmirror("list", "--json");
            assertEquals(0, j.rc(), j.err());
            assertTrue(j.out().startsWith("[{\"name\":\"") && j.out().contains(":web\",\"uuid\":\""), j.out());
            assertTrue(j.out().contains("\"pid\":" + a.process.pid() + ","), j.out());
            assertTrue(j.out().contains("\"detail\":{\"uuid\":"), j.out());

            External.Run stop = bitmirror("stop", "web");
            assertEquals(0, stop.rc(), stop.err());
            assertTrue(a.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, a.process.exitValue(), a.output());
            assertFalse(Files.exists(entries.get(0)), "the entry goes away on stop");
        }
        External.Run none = bitmirror("list");
        assertEquals("no running arrays in " + dir.resolve("run") + "\n", none.out());
    }
}
