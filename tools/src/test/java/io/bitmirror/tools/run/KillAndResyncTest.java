package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the server while fio writes; the next assemble resyncs only the dirty chunks with
 * its progress visible in detail, the members end identical, and a clean stop leaves no dirty
 * bit.
 */
class KillAndResyncTest {
    @TempDir
    Path dir;

    private static long dirtyOnDisk(Path member) {
        Cli.Result r = Cli.run("examine-bitmap", member.toString());
        assertEquals(0, r.rc(), r.err());
        Matcher m = Pattern.compile("Bitmap : (\\d+) bits \\(chunks\\), (\\d+) dirty").matcher(r.out());
        assertTrue(m.find(), r.out());
        return Long.parseLong(m.group(2));
    }

    @Test
    void killDuringFioThenResyncOnlyDirtyChunks() throws Exception {
        External.requireTool("fio");
        List<Path> m = NbdClientsTest.createArray(dir, 256L << 20, "--bitmap-chunk=1M");
        long written;
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            // fio writes into the first 8 MiB only: at most 8 of the 255 chunks get dirty.
            ProcessBuilder pb = new ProcessBuilder("fio", "--name=w", "--ioengine=nbd", "--uri=" + a.uri(),
                    "--rw=randwrite", "--bs=4k", "--iodepth=16", "--size=8M", "--time_based", "--runtime=30")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("fio.log").toFile());
            Process fio = pb.start();
            Thread.sleep(2500);
            a.kill9();
            fio.waitFor(30, TimeUnit.SECONDS);
            fio.destroyForcibly();
        }
        MemberMetadata md = MetadataReader.read(m.get(0));
        assertFalse(md.superblock().isClean(), "killed while writing: the superblock says active");
        long dirty = Math.max(dirtyOnDisk(m.get(0)), dirtyOnDisk(m.get(1)));
        assertTrue(dirty > 0 && dirty <= 8, "dirty chunks on disk: " + dirty);
        written = dirty;
        // Slow the resync down (1 MiB/s: a few seconds) so its progress can be watched.
        try (ArrayProcess a = ArrayProcess.start(dir, List.of("--speed-limit-min=1024", "--speed-limit-max=1024"), m)) {
            String during = a.detail();
            assertTrue(during.contains("resync"), "detail shows the resync while it runs:\n" + during);
            assertTrue(during.matches("(?s).*\\[[=>.]+\\]  resync = .*finish=.*speed=.*"), during);
            String after = during;
            long end = System.nanoTime() + 120_000_000_000L;
            while ((after.contains("resync") || after.contains("recovery")) && System.nanoTime() < end) {
                Thread.sleep(200);
                after = a.detail();
            }
            assertFalse(after.contains("resync") || after.contains("recovery"), "resync finished:\n" + after);
            Matcher copied = Pattern.compile("Copied : (\\d+) chunks").matcher(after);
            assertTrue(copied.find(), after);
            assertEquals(written, Long.parseLong(copied.group(1)), "only the dirty chunks were copied");
            assertEquals(0, a.stop(), a.output());
        }
        assertTrue(MetadataReader.read(m.get(0)).superblock().isClean());
        assertEquals(0, dirtyOnDisk(m.get(0)), "a clean stop leaves no dirty bit");
        assertEquals(0, dirtyOnDisk(m.get(1)));
        long off = md.superblock().dataOffset() * 512;
        long size = md.superblock().size() * 512;
        byte[] a0 = Files.readAllBytes(m.get(0));
        byte[] a1 = Files.readAllBytes(m.get(1));
        assertArrayEquals(Arrays.copyOfRange(a0, (int) off, (int) (off + size)),
                Arrays.copyOfRange(a1, (int) off, (int) (off + size)), "members identical after resync");
    }
}
