package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.testsupport.Requirements;
import io.bitmirror.tools.External;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real ext4 on the array: nbdfuse exposes the export as a file, a loop device turns it into a
 * disk, mkfs.ext4, mount, files, sync, clean stop, reassemble, e2fsck -fn, files intact.
 */
class FilesystemOverNbdTest {
    @TempDir
    Path dir;

    /** The export as a block device: nbdfuse file + loop device. */
    private static final class Disk implements AutoCloseable {
        final Path fuse;
        final String loop;
        final Process nbdfuse;

        Disk(Path fuse, String uri) throws Exception {
            this.fuse = fuse;
            Files.createDirectories(fuse);
            // nbdfuse serves in the foreground until the mount goes away.
            nbdfuse = new ProcessBuilder("nbdfuse", fuse.resolve("disk").toString(), uri)
                    .redirectErrorStream(true).redirectOutput(fuse.resolveSibling(fuse.getFileName() + ".log").toFile())
                    .start();
            long end = System.nanoTime() + 10_000_000_000L;
            while (!Files.exists(fuse.resolve("disk")) && System.nanoTime() < end) {
                assertTrue(nbdfuse.isAlive(), "nbdfuse exited with " + (nbdfuse.isAlive() ? 0 : nbdfuse.exitValue()));
                Thread.sleep(50);
            }
            External.Run l = External.run("losetup", "-f", "--show", fuse.resolve("disk").toString());
            assertEquals(0, l.rc(), "losetup: " + l.err());
            loop = l.out().trim();
        }

        @Override
        public void close() throws Exception {
            External.run("losetup", "-d", loop);
            for (int i = 0; i < 50; i++) {
                if (External.run("fusermount3", "-u", fuse.toString()).rc() == 0
                        || External.run("umount", fuse.toString()).rc() == 0) {
                    break;
                }
                Thread.sleep(100);
            }
            if (!nbdfuse.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                nbdfuse.destroyForcibly();
            }
        }
    }

    @Test
    void ext4OverTheArraySurvivesStopAndReassembly() throws Exception {
        External.requireLoopDevices();
        for (String t : new String[] {"nbdfuse", "fusermount3", "mkfs.ext4", "e2fsck", "mount"}) {
            External.requireTool(t);
        }
        Requirements.requireDevice("/dev/fuse", "nbdfuse");
        List<Path> m = NbdClientsTest.createArray(dir, 160L << 20);
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        byte[] a = new byte[3 << 20];
        byte[] b = new byte[123_457];
        new Random(11).nextBytes(a);
        new Random(12).nextBytes(b);
        try (ArrayProcess p = ArrayProcess.start(dir, List.of(), m)) {
            try (Disk d = new Disk(dir.resolve("fuse"), p.uri())) {
                assertEquals(0, External.run("mkfs.ext4", "-q", "-F", d.loop).rc());
                assertEquals(0, External.run("mount", d.loop, mnt.toString()).rc());
                try {
                    Files.write(mnt.resolve("a.bin"), a);
                    Files.createDirectories(mnt.resolve("sub"));
                    Files.write(mnt.resolve("sub/b.bin"), b);
                    assertEquals(0, External.run("sync").rc());
                } finally {
                    assertEquals(0, External.run("umount", mnt.toString()).rc());
                }
            }
            assertEquals(0, p.stop(), "clean stop exits 0: " + p.output());
        }
        try (ArrayProcess p = ArrayProcess.start(dir, List.of(), m)) {
            try (Disk d = new Disk(dir.resolve("fuse2"), p.uri())) {
                External.Run fsck = External.run("e2fsck", "-fn", d.loop);
                assertEquals(0, fsck.rc(), "e2fsck -fn: " + fsck.out() + fsck.err());
                assertEquals(0, External.run("mount", "-o", "ro", d.loop, mnt.toString()).rc());
                try {
                    assertArrayEquals(a, Files.readAllBytes(mnt.resolve("a.bin")));
                    assertArrayEquals(b, Files.readAllBytes(mnt.resolve("sub/b.bin")));
                } finally {
                    External.run("umount", mnt.toString());
                }
            }
            assertEquals(0, p.stop(), p.output());
        }
    }
}
