package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;

import io.bitmirror.tools.External;
import io.bitmirror.tools.control.ControlJson;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ControlTarget}: detail, manage and stop find a running array by NAME, HOST:NAME or
 * UUID through the run directory, as with --control; neither, both, or a name nothing runs
 * under is one line on stderr. The commands run as processes with the test's run directory.
 */
class ControlTargetTest {
    @TempDir
    Path dir;

    private External.Run bitmirror(String... args) throws Exception {
        List<String> cmd = ArrayProcess.javaCommand();
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.bitmirror.tools.Main"));
        cmd.addAll(List.of(args));
        return External.run(Map.of("BITMIRROR_RUN_DIR", dir.resolve("run").toString(),
                "BITMIRROR_CONF", dir.resolve("none.conf").toString()), cmd.toArray(String[]::new));
    }

    private static void assertOneLine(External.Run r, int rc, String expected) {
        assertEquals(rc, r.rc(), r.out() + r.err());
        assertEquals(1, r.err().split("\n").length, r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void nameOrUuidReachTheArrayAndBadTargetsAreOneLine() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20, "-N", "web");
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            External.Run byControl = bitmirror("detail", "--json", "--control=" + a.control);
            assertEquals(0, byControl.rc(), byControl.err());
            JsonNode d = ControlJson.MAPPER.readTree(byControl.out());
            String uuid = d.path("uuid").asText();
            String full = d.path("name").asText();
            for (String name : List.of("web", full, uuid)) {
                External.Run r = bitmirror("detail", "--json", name);
                assertEquals(0, r.rc(), r.err());
                assertEquals(uuid, ControlJson.MAPPER.readTree(r.out()).path("uuid").asText(), name);
            }
            External.Run text = bitmirror("detail", "--array=web");
            assertEquals(0, text.rc(), text.err());
            assertTrue(text.out().contains("State : clean"), text.out());

            External.Run check = bitmirror("manage", "--array=web", "--action=idle");
            assertEquals(0, check.rc(), check.err());

            assertOneLine(bitmirror("detail"), 2, "detail needs either --control=SOCKET or the array's NAME");
            assertOneLine(bitmirror("detail", "--control=" + a.control, "web"), 2,
                    "detail needs either --control=SOCKET or the array's NAME");
            assertOneLine(bitmirror("detail", "--array=web", "web"), 2, "the array is named twice");
            assertOneLine(bitmirror("detail", "db"), 1, "no running array named db in " + dir.resolve("run"));
            assertOneLine(bitmirror("manage", "--fail", m.get(1).toString()), 2,
                    "manage needs either --control=SOCKET or the array's NAME");
            assertOneLine(bitmirror("stop", "db"), 1, "no running array named db");
            // None of that touched the array.
            assertTrue(a.process.isAlive());

            External.Run stop = bitmirror("stop", uuid);
            assertEquals(0, stop.rc(), stop.err());
            assertTrue(a.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, a.process.exitValue(), a.output());
        }
        // Stopped: its entry is gone, the name no longer resolves.
        assertOneLine(bitmirror("detail", "web"), 1, "no running array named web");
    }
}
