package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code assemble --scan}: the config file made from {@code examine --scan} and a DEVICE glob
 * names the array; the members are found by uuid among the candidates, the ARRAY line's
 * export= and control= are used; each refusal is one line and touches no member.
 */
class AssembleScanTest {
    @TempDir
    Path dir;

    /** web and db, two file members each, under dir/disks; the config from examine --scan and a glob. */
    private Path config(String webExtra) throws Exception {
        Path disks = Files.createDirectories(dir.resolve("disks"));
        List<Path> web = io.bitmirror.tools.TestArrays.array(disks, "web");
        List<Path> db = io.bitmirror.tools.TestArrays.array(disks, "db");
        Cli.Result scan = Cli.run("examine", "--scan", web.get(0).toString(), web.get(1).toString(),
                db.get(0).toString(), db.get(1).toString());
        assertEquals(0, scan.rc(), scan.err());
        String[] lines = scan.out().split("\n");
        Path conf = dir.resolve("bitmirror.conf");
        Files.writeString(conf, "DEVICE " + disks + "/*.img\n" + lines[0] + webExtra + "\n" + lines[1] + "\n");
        return conf;
    }

    @Test
    void assemblesTheNamedArrayWithTheSocketsOfItsArrayLine() throws Exception {
        Path sock = dir.resolve("web.sock");
        Path ctl = dir.resolve("web.ctl");
        Path conf = config("\n   export=nbd+unix:///?socket=" + sock + " control=" + ctl);
        try (ArrayProcess a = ArrayProcess.startArgs(dir, List.of("assemble", "--scan", "--config=" + conf, "web"),
                sock, ctl)) {
            String d = a.detail();
            assertTrue(d.contains(":web"), d);
            assertTrue(d.contains(dir.resolve("disks/web0.img").toString()), d);
            assertTrue(d.contains(dir.resolve("disks/web1.img").toString()), d);
            assertFalse(d.contains("db0.img"), d);
            assertTrue(Files.exists(sock), "the export socket of the ARRAY line");
            assertEquals(0, a.stop(), a.output());
        }
    }

    @Test
    void theCommandLineWinsOverTheArrayLineAndAUuidNamesTheArray() throws Exception {
        Path conf = config(" control=" + dir.resolve("from-config.ctl"));
        String uuid = Files.readAllLines(conf).get(1).replaceAll(".* UUID=(\\S+) .*", "$1");
        Path ctl = dir.resolve("given.ctl");
        Path sock = dir.resolve("given.sock");
        try (ArrayProcess a = ArrayProcess.startArgs(dir, List.of("assemble", "--scan", "--config=" + conf,
                "--control=" + ctl, "--export=nbd+unix:///?socket=" + sock, uuid), sock, ctl)) {
            assertTrue(a.detail().contains(":web"));
            assertFalse(Files.exists(dir.resolve("from-config.ctl")));
            assertEquals(0, a.stop(), a.output());
        }
    }

    @Test
    void refusalsAreOneLineAndWriteNothing() throws Exception {
        Path conf = config("");
        String before = digest(dir.resolve("disks"));
        Cli.Result r = Cli.run("assemble", "--scan", "--config=" + conf, "nope");
        assertEquals(1, r.rc());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith("bitmirror: no array 'nope' in " + conf + " (arrays: web ("), r.err());

        r = Cli.run("assemble", "--scan", "--config=" + conf);
        assertEquals(1, r.rc());
        assertTrue(r.err().startsWith("bitmirror: " + conf + " has 2 arrays (web ("), r.err());
        assertTrue(r.err().trim().endsWith("): name one"), r.err());

        // Two arrays of the same name (a copy of the line with another UUID): ambiguous.
        List<String> lines = Files.readAllLines(conf);
        Files.writeString(conf, String.join("\n", lines) + "\n"
                + lines.get(1).replaceAll("UUID=\\S+", "UUID=00000000:00000000:00000000:00000001") + "\n");
        r = Cli.run("assemble", "--scan", "--config=" + conf, "web");
        assertEquals(1, r.rc());
        assertTrue(r.err().startsWith("bitmirror: 'web' is ambiguous in " + conf + ": it names 2 arrays"), r.err());

        // The copy's UUID has no members among the candidates.
        r = Cli.run("assemble", "--scan", "--config=" + conf, "00000000:00000000:00000000:00000001");
        assertEquals(1, r.rc());
        assertEquals("bitmirror: no devices of array web (00000000:00000000:00000000:00000001) among the 4 DEVICE "
                + "candidates of " + conf, r.err().trim());

        r = Cli.run("assemble", "--scan", "--config=" + dir.resolve("absent.conf"), "web");
        assertEquals(1, r.rc());
        assertTrue(r.err().startsWith("bitmirror: config file " + dir.resolve("absent.conf") + " does not exist"),
                r.err());

        r = Cli.run("assemble");
        assertEquals(2, r.rc());
        assertTrue(r.err().startsWith("bitmirror: Missing required parameter: 'DEVICE' (or --scan)"), r.err());
        assertEquals(before, digest(dir.resolve("disks")), "no member was written");
    }

    static String digest(Path disks) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var s = Files.list(disks)) {
            for (Path p : s.sorted().toList()) {
                md.update(Files.readAllBytes(p));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
