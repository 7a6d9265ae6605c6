package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, defect 7: {@code quickstart --size=64M} takes a size with a suffix, and its hints
 * can be pasted as they are: a bounded write, {@code losetup -f --show}, how to undo nbdfuse,
 * and a detail command with an absolute path to the launcher.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QuickstartHintsTest {
    @TempDir
    Path dir;

    @Test
    void hintsAreBoundedAndValidFromAnywhere() throws Exception {
        Path data = dir.resolve("data");
        List<String> cmd = ArrayProcess.javaCommand();
        // As the launcher script sets it.
        cmd.add("-Dbitmirror.launcher=/opt/bitmirror/bitmirror");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.bitmirror.tools.Main", "quickstart",
                "--dir=" + data, "--size=64M"));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("err.log").toFile()).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                out.append(line).append('\n');
                if (line.startsWith("Stop it:")) {
                    break;
                }
            }
            String text = out.toString();
            assertTrue(text.contains("(64 MiB each"), text);
            assertEquals(64L << 20, Files.size(data.resolve("member0.img")));
            assertTrue(text.contains("head -c 64M /dev/urandom | nbdcopy - 'nbd+unix:///?socket="), text);
            assertFalse(text.contains("nbdcopy /dev/urandom"), "an unbounded copy fills the array: " + text);
            assertTrue(text.contains("losetup -f --show /tmp/bm/disk"), text);
            assertTrue(text.contains("fusermount3 -u /tmp/bm/disk"), text);
            assertTrue(text.contains("Watch it:  /opt/bitmirror/bitmirror detail --control=" + data.toAbsolutePath()
                    .resolve("control.sock")), text);
        } finally {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                fail("quickstart did not stop on SIGTERM");
            }
        }
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("err.log")));
    }
}
