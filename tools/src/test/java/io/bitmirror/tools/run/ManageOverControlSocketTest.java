package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bitmirror manage} and {@code detail} against a running array: fail, remove, re-add;
 * the detail view (text and JSON) follows; the sockets are 0600.
 */
class ManageOverControlSocketTest {
    @TempDir
    Path dir;

    private String detail(Path control, boolean json) {
        Cli.Result r = json ? Cli.run("detail", "--control=" + control, "--json")
                : Cli.run("detail", "--control=" + control);
        assertEquals(0, r.rc(), r.err());
        return r.out();
    }

    @Test
    void failRemoveReAdd() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 64L << 20, "--bitmap-chunk=1M");
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.socket)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.control)));
            String c = "--control=" + a.control;
            // The member table: "Number RaidDevice State Device", as mdadm --detail.
            assertTrue(detail(a.control, false).matches("(?s).*\\n +1 +1 +active sync +"
                    + java.util.regex.Pattern.quote(m.get(1).toString()) + "\\n.*"), detail(a.control, false));
            Cli.Result f = Cli.run("manage", c, "--fail", m.get(1).toString());
            assertEquals(0, f.rc(), f.err());
            String d = detail(a.control, false);
            assertTrue(d.matches("(?s).*State : \\w+, degraded.*"), d);
            assertTrue(d.contains("faulty"), d);
            // The last member in sync cannot be failed; a member that is not faulty cannot be removed.
            Cli.Result last = Cli.run("manage", c, "--fail", m.get(0).toString());
            assertEquals(1, last.rc());
            assertTrue(last.err().contains("last member in sync"), last.err());
            Cli.Result notFaulty = Cli.run("manage", c, "--remove", m.get(0).toString());
            assertEquals(1, notFaulty.rc());
            assertTrue(notFaulty.err().contains("fail it first"), notFaulty.err());
            assertEquals(0, Cli.run("manage", c, "--remove", m.get(1).toString()).rc());
            assertTrue(detail(a.control, false).contains("removed"));
            assertEquals(0, Cli.run("manage", c, "--re-add", m.get(1).toString()).rc());
            long end = System.nanoTime() + 60_000_000_000L;
            String json = detail(a.control, true);
            while (json.contains("\"degraded\"") && System.nanoTime() < end) {
                Thread.sleep(100);
                json = detail(a.control, true);
            }
            assertFalse(json.contains("\"degraded\""), json);
            assertTrue(json.contains("\"action\":\"idle\""), json);
            assertTrue(json.contains("\"state\":[\"active\",\"sync\"]"), json);
            assertTrue(json.startsWith("{\"uuid\":\""), json);
            assertEquals(0, a.stop(), a.output());
        }
        Cli.Result gone = Cli.run("detail", "--control=" + dir.resolve("control.sock"));
        assertEquals(1, gone.rc());
        assertTrue(gone.err().contains("is the array running?"), gone.err());
    }
}
