package io.bitmirror.tools.scan;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.TestArrays;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config edit bitmirror makes by itself is visible and reversible: create says which file it
 * wrote, assemble --scan warns of a record whose bitmap file is gone, config --forget removes it.
 * The bitmap file lives in the test's directory (ext4 or xfs here, as the file requires).
 */
class BitmapRecordHygieneTest {
    @TempDir
    Path dir;

    @Test
    void createSaysWhereItRecordedAndForgetRemovesByUuidOrPath() throws Exception {
        Path conf = dir.resolve("bitmirror.conf");
        Path bm = dir.resolve("web.bitmap");
        List<Path> m = List.of(TestArrays.file(dir, "a.img", 32 << 20), TestArrays.file(dir, "b.img", 32 << 20));
        Cli.Result c = Cli.run("create", "-l1", "-n2", "-N", "web", "--assume-clean", "--bitmap=" + bm,
                "--config=" + conf, m.get(0).toString(), m.get(1).toString());
        assertEquals(0, c.rc(), c.err());
        String uuid = Files.readString(conf).replaceAll("(?s).*ARRAY UUID=(\\S+) .*", "$1");
        assertTrue(c.out().contains("bitmirror: recorded bitmap file " + bm + " in " + conf
                + " ('bitmirror config --forget " + uuid + "' removes it)"), c.out());

        Cli.Result records = Cli.run("config", "--config=" + conf);
        assertEquals(uuid + " " + bm + "\n", records.out());

        // Add a scanned ARRAY line and a DEVICE line: the array assembles by name later.
        Cli.Result scan = Cli.run("examine", "--scan", m.get(0).toString(), m.get(1).toString());
        Files.writeString(conf, Files.readString(conf) + "DEVICE " + dir + "/*.img\n" + scan.out());
        Files.delete(bm);
        // The record of a deleted file is reported (the assembly itself then refuses the missing file).
        // assemble is the server: its warning is a log line (slf4j-simple writes to System.err).
        java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        Cli.Result a;
        System.setErr(new java.io.PrintStream(logged, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            a = Cli.run("assemble", "--scan", "--config=" + conf, "web");
        } finally {
            System.setErr(stderr);
        }
        assertEquals(1, a.rc());
        String log = logged.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(log.matches("(?s)\\S+ \\[WARN\\] AssembleCommand - " + java.util.regex.Pattern.quote(conf + ":2: bitmap file "
                + bm + " of array " + uuid + " no longer exists; 'bitmirror config --forget " + uuid
                + "' removes the record") + ".*"), log);
        assertEquals(1, a.errLines().size(), "the refusal itself is one CLI line: " + a.err());
        assertTrue(Cli.run("config", "--config=" + conf).out().endsWith(" (gone)\n"));
        Cli.Result list = Cli.run("list", "--config=" + conf);
        assertTrue(list.err().startsWith("bitmirror: warning: " + conf + ":2: bitmap file " + bm + " of array " + uuid
                + " no longer exists"), list.err());

        Cli.Result f = Cli.run("config", "--config=" + conf, "--forget", bm.toString());
        assertEquals(0, f.rc(), f.err());
        assertEquals("bitmirror: forgot bitmap file " + bm + " of array " + uuid + " in " + conf + "\n", f.out());
        String text = Files.readString(conf);
        assertFalse(text.contains("bitmap="), text);
        assertTrue(text.contains(scan.out().trim()), "the scanned line is kept: " + text);
        Cli.Result again = Cli.run("config", "--config=" + conf, "--forget", uuid);
        assertEquals(1, again.rc());
        assertEquals("bitmirror: no bitmap record for " + uuid + " in " + conf + "\n", again.err());
        Cli.Result bad = Cli.run("config", "--config=" + conf, "--forget", "web");
        assertEquals(2, bad.rc());
        assertTrue(bad.err().startsWith("bitmirror: --forget web: neither a UUID"), bad.err());
    }
}
