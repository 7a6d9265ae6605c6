package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bitmirror stop}: over the control socket or by name (the config's control=); returns
 * once the array is stopped, the server exits 0, and mdadm reads the members as clean.
 */
class StopCommandTest {
    @TempDir
    Path dir;

    @Test
    void stopByControlSocketEndsTheServerWithZeroAndClean() throws Exception {
        External.requireTool("mdadm");
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20);
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            Cli.Result r = Cli.run("stop", "--control=" + a.control);
            assertEquals(0, r.rc(), r.err());
            assertTrue(r.out().matches("bitmirror: \\S+:bitmirror: stopped cleanly\n"), r.out());
            assertTrue(a.process.waitFor(30, TimeUnit.SECONDS), "the server exits");
            assertEquals(0, a.process.exitValue(), a.output());
            assertTrue(a.output().contains("stop request: stopping"), a.output());
        }
        for (Path p : m) {
            External.Run e = External.run("mdadm", "--examine", p.toString());
            assertTrue(e.out().contains("State : clean"), e.out());
        }
        Cli.Result gone = Cli.run("stop", "--control=" + dir.resolve("control.sock"));
        assertEquals(1, gone.rc());
        assertTrue(gone.err().contains("is the array running?"), gone.err());
    }

    @Test
    void stopByNameFindsTheControlSocketOfItsArrayLine() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20, "-N", "web");
        Path conf = dir.resolve("bitmirror.conf");
        Files.writeString(conf, "ARRAY /dev/md/web metadata=1.2 UUID=00000000:00000000:00000000:00000001 name=h:web "
                + "control=" + dir.resolve("control.sock") + "\n");
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            Cli.Result r = Cli.run("stop", "--config=" + conf, "web");
            assertEquals(0, r.rc(), r.err());
            assertTrue(a.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, a.process.exitValue(), a.output());
        }
        Cli.Result both = Cli.run("stop");
        assertEquals(2, both.rc());
        assertEquals("bitmirror: stop needs either --control=SOCKET or the array's NAME\n", both.err());
    }
}
