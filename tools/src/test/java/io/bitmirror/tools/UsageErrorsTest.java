package io.bitmirror.tools;

import static io.bitmirror.tools.Refusals.refused;
import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.metadata.MetadataReader;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, defect 7: what a new user gets wrong is answered with one line naming the option and
 * value, exit status 2 for usage errors, and nothing written.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UsageErrorsTest {
    @TempDir
    Path dir;

    private Path a;
    private Path b;

    @BeforeEach
    void files() throws Exception {
        a = dir.resolve("a");
        b = dir.resolve("b");
        for (Path p : new Path[] {a, b}) {
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(16L << 20);
            }
        }
    }

    @Test
    void argumentValidationIsAUsageError() throws Exception {
        refused(dir, 2, "level 5: bitmirror builds RAID-1 only", "create", "--level=5", "-n2", a.toString(),
                b.toString());
        refused(dir, 2, "bitmap-chunk 3K: must be a power of two", "create", "-l1", "-n2", "--bitmap-chunk=3K",
                a.toString(), b.toString());
        refused(dir, 2, "1 devices given but --raid-devices=2", "create", "-l1", "-n2", a.toString());
        refused(dir, 2, "raid-devices 1: a mirror needs at least 2", "create", "-l1", "-n1", a.toString());
        refused(dir, 2, "--level x: not a RAID level", "create", "--level=x", "-n2", a.toString(), b.toString());
        // What the devices say is a runtime error, as before.
        refused(dir, 1, "no such file or device", "create", "-l1", "-n2", a.toString(), dir.resolve("nope").toString());
    }

    @Test
    void bitmapFileNeedsASlash() throws Exception {
        Path cwdTypo = Path.of("interal");
        String line = refused(dir, 2, "--bitmap interal: use internal, none, or a file path containing '/'", "create",
                "-l1", "-n2", "--bitmap=interal", "--config=" + dir.resolve("conf"), a.toString(), b.toString());
        assertTrue(line.contains("./interal"), line);
        assertFalse(Files.exists(cwdTypo), "no bitmap file made of the typo");
        assertFalse(Files.exists(dir.resolve("conf")), "nothing registered");
        Cli.Result ok = Cli.run("create", "-l1", "-n2", "--bitmap=" + dir.resolve("x.bitmap"),
                "--config=" + dir.resolve("conf"), a.toString(), b.toString());
        assertEquals(0, ok.rc(), ok.err());
        assertTrue(Files.exists(dir.resolve("x.bitmap")));
    }

    @Test
    void namesMustBeSafeForASocketPathAndAUri() throws Exception {
        refused(dir, 2, "name 'x y/z': use letters, digits", "create", "-l1", "-n2", "--name=x y/z", a.toString(),
                b.toString());
        refused(dir, 2, "name '..': use letters, digits", "create", "-l1", "-n2", "--name=..", a.toString(),
                b.toString());
        refused(dir, 2, "longer than 32 bytes", "create", "-l1", "-n2", "--name=" + "n".repeat(33), a.toString(),
                b.toString());
        Cli.Result ok = Cli.run("create", "-l1", "-n2", "--name=data-1.x_y", a.toString(), b.toString());
        assertEquals(0, ok.rc(), ok.err());
        String stored = MetadataReader.read(a).superblock().setName();
        assertTrue(stored.endsWith("data-1.x_y") && stored.getBytes().length <= 32, stored);
    }

    @Test
    void mistypedOptionIsReportedAsUnknownWithASuggestion() throws Exception {
        String line = refused(dir, 2, "unknown option '--levle=1' (did you mean --level?)", "create", "--levle=1",
                "-n2", a.toString(), b.toString());
        assertFalse(line.contains("Missing required"), line);
        refused(dir, 2, "unknown command 'creat' (did you mean create?)", "creat", "-l1", "-n2", a.toString(),
                b.toString());
    }

    @Test
    void helpCommandPrintsHelpAndRunsNothing() throws Exception {
        String before = Refusals.digest(dir);
        Cli.Result r = Cli.run("help", "create");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("Usage: bitmirror create"), r.out());
        assertTrue(r.out().contains("--raid-devices"), r.out());
        assertEquals("", r.err());
        assertEquals(before, Refusals.digest(dir));
    }

    @Test
    void sizesTakeSuffixesEverywhere() throws Exception {
        refused(dir, 2, "'12Q' is not a size", "quickstart", "--dir=" + dir.resolve("q"), "--size=12Q");
        refused(dir, 2, "'1X' is not a size", "bench", "--size=1X");
        assertFalse(Files.exists(dir.resolve("q")));
        Cli.Result help = Cli.run("quickstart", "--help");
        assertTrue(help.out().contains("default 1G"), help.out());
    }

    @Test
    void examineBitmapOfAFileThatIsNotABitmapNamesIt() throws Exception {
        Path junk = dir.resolve("junk");
        Files.write(junk, new byte[8192]);
        refused(dir, 1, junk + ": bitmap magic 0x00000000", "examine-bitmap", junk.toString());
    }

    @Test
    void theSameDeviceTwiceIsNotAnotherBitmirror() throws Exception {
        assertEquals(0, Cli.run("create", "-l1", "-n2", "--assume-clean", a.toString(), b.toString()).rc());
        Path sameA = dir.resolve(".").resolve("a");
        String line = refused(dir, 1, sameA + ": the same device as " + a + " (given twice)", "assemble", "--export=nbd+unix:///?socket=" + dir.resolve("s.sock"),
                "--control=" + dir.resolve("c.sock"), a.toString(), sameA.toString(), b.toString());
        assertFalse(line.contains("another bitmirror"), line);
    }
}
