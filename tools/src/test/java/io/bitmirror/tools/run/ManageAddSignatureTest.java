package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;
import io.bitmirror.tools.Refusals;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, defects 5 and 7 (re-add of a faulty member): {@code manage --add} refuses a device
 * that holds a filesystem, as {@code create} does, unless {@code --force}; the refused file is
 * left byte for byte as it was.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ManageAddSignatureTest {
    @TempDir
    Path dir;

    @Test
    void addRefusesAnExt4FileUnlessForced() throws Exception {
        External.requireTool("mkfs.ext4");
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20);
        Path spareDir = Files.createDirectory(dir.resolve("spare"));
        Path fs = spareDir.resolve("ext4.img");
        try (RandomAccessFile f = new RandomAccessFile(fs.toFile(), "rw")) {
            f.setLength(32L << 20);
        }
        External.Run mkfs = External.run("mkfs.ext4", "-q", "-F", fs.toString());
        assertEquals(0, mkfs.rc(), mkfs.err());
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            String c = "--control=" + a.control;
            assertEquals(0, Cli.run("manage", c, "--fail", m.get(1).toString()).rc());
            Cli.Result reAdd = Cli.run("manage", c, "--re-add", m.get(1).toString());
            assertEquals(1, reAdd.rc());
            assertTrue(reAdd.err().contains(m.get(1) + ": is faulty in ") && reAdd.err().contains("remove it first"),
                    reAdd.err());
            assertEquals(0, Cli.run("manage", c, "--remove", m.get(1).toString()).rc());

            // Only the spare's directory is compared: the running array writes its members.
            Refusals.refused(spareDir, 1, fs + ": holds an ext2/3/4 filesystem; use --force to overwrite it",
                    "manage", c, "--add", fs.toString());
            assertTrue(a.detail().contains("degraded"), a.detail());
            assertFalse(a.detail().contains(fs.toString()), "not added: " + a.detail());
            Refusals.refused(spareDir, 2, "--force goes with --add only", "manage", c, "--force", "--fail",
                    fs.toString());

            Cli.Result forced = Cli.run("manage", c, "--add", "--force", fs.toString());
            assertEquals(0, forced.rc(), forced.err());
            assertTrue(forced.out().contains("added " + fs), forced.out());
            String detail = a.detail();
            long end = System.nanoTime() + 60_000_000_000L;
            while (!detail.matches("(?s).*active sync\\s+" + fs + ".*") && System.nanoTime() < end) {
                Thread.sleep(200);
                detail = a.detail();
            }
            assertTrue(detail.matches("(?s).*active sync\\s+" + fs + ".*"), "recovered onto the forced device:\n"
                    + detail);
            assertEquals(0, a.stop(), a.output());
        }
    }
}
