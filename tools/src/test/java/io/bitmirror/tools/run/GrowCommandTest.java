package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bitmirror grow} against a real server process, read back by the real mdadm: internal
 * with a 4M chunk ({@code mdadm -E} shows the internal bitmap, {@code mdadm -X} the chunk), a
 * second add refused, none ({@code mdadm -E} shows no bitmap), a bitmap file on a real ext4
 * ({@code mdadm -X} on the file, recorded in the registry, forgotten after none), usage errors.
 */
class GrowCommandTest {
    @TempDir
    Path dir;

    @Test
    void internalThenNoneOverTheControlSocket() throws Exception {
        External.requireTool("mdadm");
        External.requireLoopDevices();
        List<Path> m = NbdClientsTest.createArray(dir, 64L << 20, "--bitmap=none");
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            Cli.Result r = Cli.run("grow", "--control=" + a.control, "--bitmap=internal", "--bitmap-chunk=4M");
            assertEquals(0, r.rc(), r.err());
            assertTrue(r.out().matches("bitmirror: added an internal bitmap to \\S+: chunk 4096K, 16 chunks\n"), r.out());
            assertTrue(examine(m.get(1)).contains("Internal Bitmap : 8 sectors from superblock"));
            String x = examineBitmap(m.get(0));
            assertTrue(x.contains("Chunksize : 4 MB"), x);

            Cli.Result again = Cli.run("grow", "--control=" + a.control, "--bitmap=internal");
            assertEquals(1, again.rc());
            assertTrue(again.err().contains("already has an internal bitmap; remove it first with --bitmap=none"),
                    again.err());
            assertFalse(again.err().contains("\tat "), "no stack trace");

            Cli.Result none = Cli.run("grow", "--control=" + a.control, "--bitmap=none");
            assertEquals(0, none.rc(), none.err());
            assertTrue(none.out().startsWith("bitmirror: removed the internal bitmap of "), none.out());
            assertFalse(examine(m.get(0)).contains("Internal Bitmap"));
            assertFalse(examine(m.get(1)).contains("Internal Bitmap"));
            assertEquals(0, Cli.run("stop", "--control=" + a.control).rc());
        }
        Cli.Result noBitmap = Cli.run("grow", "--control=" + dir.resolve("c.sock"));
        assertEquals(2, noBitmap.rc());
        Cli.Result chunk = Cli.run("grow", "--control=" + dir.resolve("c.sock"), "--bitmap=internal",
                "--bitmap-chunk=3K");
        assertEquals(2, chunk.rc());
        assertEquals("bitmirror: --bitmap-chunk 3K: must be a power of two from 4K to 1G\n", chunk.err());
    }

    @Test
    void bitmapFileOnExt4() throws Exception {
        External.requireLoopDevices();
        for (String t : new String[] {"mdadm", "mount", "mkfs.ext4"}) {
            External.requireTool(t);
        }
        Path image = dir.resolve("fs.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        assertEquals(0, External.run("mkfs.ext4", "-q", "-F", image.toString()).rc());
        String loop = External.run("losetup", "-f", "--show", image.toString()).out().trim();
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        External.Run mount = External.run("mount", loop, mnt.toString());
        try {
            assertEquals(0, mount.rc(), mount.err());
            Path bm = mnt.resolve("grow.bitmap");
            Path conf = dir.resolve("bitmirror.conf");
            List<Path> m = NbdClientsTest.createArray(dir, 64L << 20, "--bitmap=none");
            try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
                Cli.Result r = Cli.run("grow", "--control=" + a.control, "--config=" + conf, "--bitmap=" + bm,
                        "--bitmap-chunk=4M");
                assertEquals(0, r.rc(), r.err() + a.output());
                assertTrue(r.out().startsWith("bitmirror: added bitmap file " + bm), r.out());
                String x = External.run("mdadm", "-X", bm.toString()).out().replaceAll("[ \t]+", " ");
                assertTrue(x.contains("Chunksize : 4 MB"), x);
                assertTrue(Files.readString(conf).contains("bitmap=" + bm), "recorded in the registry");
                assertFalse(examine(m.get(0)).contains("Internal Bitmap"));
                Cli.Result none = Cli.run("grow", "--control=" + a.control, "--config=" + conf, "--bitmap=none");
                assertEquals(0, none.rc(), none.err());
                assertTrue(none.out().startsWith("bitmirror: removed the external bitmap of "), none.out());
                assertFalse(Files.readString(conf).contains("bitmap=" + bm), "record forgotten");
                // No longer held: lock and immutable flag are gone, the file may be deleted.
                Files.delete(bm);
                assertEquals(0, Cli.run("stop", "--control=" + a.control).rc());
            }
        } finally {
            External.run("umount", mnt.toString());
            External.run("losetup", "-d", loop);
        }
    }

    private static String examine(Path p) throws Exception {
        return External.run("mdadm", "-E", p.toString()).out().replaceAll("[ \t]+", " ");
    }

    /** mdadm -X of a member image through a read-only loop device (on a file mdadm reads it as a bitmap file). */
    private static String examineBitmap(Path p) throws Exception {
        String loop = External.loopReadOnly(p);
        try {
            return External.run("mdadm", "-X", loop).out().replaceAll("[ \t]+", " ");
        } finally {
            External.detach(loop);
        }
    }
}
