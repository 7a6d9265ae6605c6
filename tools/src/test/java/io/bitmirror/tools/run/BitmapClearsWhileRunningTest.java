package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * L1 through the CLI, as an mdadm user would see it: with default options and a client that
 * never sends FLUSH (nbdcopy without --flush), a running, idle array clears its bits ON DISK
 * (examine-bitmap of a member, O_DIRECT) within about two daemon_sleep periods, after an initial
 * resync, after plain writes and after a recovery; so a re-add after an idle spell copies only
 * the chunk written while the member was out.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BitmapClearsWhileRunningTest {
    private static final long MEMBER_BYTES = 64L << 20;
    private static final int CHUNK = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void idleBitsClearOnDiskAfterResyncAndWritesWithoutAnyClientFlush() throws Exception {
        External.requireTool("nbdcopy");
        // No --assume-clean: every bit starts set and the initial resync copies every chunk.
        List<Path> m = create(false);
        assertEquals(bits(m.get(0)), dirtyOnDisk(m.get(0)), "a new array starts with every bit set");
        long sleep = daemonSleepSeconds(m.get(0));
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            awaitSyncIdle(a);
            // Bits that the resync held are cleared too, once the data is copied and flushed.
            idle(3 * sleep);
            assertDirtyOnDisk(m, 0, "after the initial resync and three idle daemon_sleep periods");
            assertTrue(a.detail().contains(", 0 dirty"), a.detail());

            copyIn(a, 4 * CHUNK, 1);
            assertTrue(dirtyOnDisk(m.get(0)) >= 4 && dirtyOnDisk(m.get(1)) >= 4,
                    "W1: the four written chunks are dirty on disk right after the write");
            idle(3 * sleep);
            assertDirtyOnDisk(m, 0, "after a 4 MiB write, no client flush and three idle daemon_sleep periods");
            String d = a.detail();
            assertTrue(d.contains(", 0 dirty") && d.matches("(?s).*State : (clean|active)\\n.*"), d);
            assertEquals(0, a.stop(), a.output());
        }
    }

    @Test
    void reAddAfterAnIdleSpellCopiesOnlyTheChunkWrittenWhileTheMemberWasOut() throws Exception {
        External.requireTool("nbdcopy");
        List<Path> m = create(true);
        long sleep = daemonSleepSeconds(m.get(0));
        long dataOffset = MetadataReader.read(m.get(1)).superblock().dataOffset() * 512;
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            String c = "--control=" + a.control;
            copyIn(a, 4 * CHUNK, 2);
            idle(3 * sleep);
            assertDirtyOnDisk(m, 0, "after the first writes and an idle spell");

            assertEquals(0, Cli.run("manage", c, "--fail", m.get(1).toString()).rc());
            assertEquals(0, Cli.run("manage", c, "--remove", m.get(1).toString()).rc());
            // A block planted on the removed member in chunk 10, which nothing writes: if the
            // recovery copied more than the bitmap says, it would be overwritten.
            byte[] planted = new byte[4096];
            Arrays.fill(planted, (byte) 0x5a);
            long plantedAt = dataOffset + 10L * CHUNK + 8192;
            try (RandomAccessFile f = new RandomAccessFile(m.get(1).toFile(), "rw")) {
                f.seek(plantedAt);
                f.write(planted);
            }
            // One chunk written while degraded (chunk 0), then an idle spell: W4 keeps its bit.
            byte[] one = copyIn(a, 64 << 10, 3);
            idle(2 * sleep);
            assertEquals(1, dirtyOnDisk(m.get(0)), "W4: the chunk written while degraded stays dirty");

            assertEquals(0, Cli.run("manage", c, "--re-add", m.get(1).toString()).rc());
            String after = awaitSyncIdle(a);
            Matcher copied = Pattern.compile("Copied : (\\d+) chunks").matcher(after);
            assertTrue(copied.find(), after);
            assertEquals(1, Long.parseLong(copied.group(1)), "the recovery copies only the chunk written "
                    + "while the member was out:\n" + after + "\n" + a.output());
            assertTrue(a.output().contains("bitmap-based recovery"), a.output());
            assertArrayEquals(planted, read(m.get(1), plantedAt, planted.length),
                    "a clean chunk of the re-added member was not copied");
            assertArrayEquals(one, read(m.get(1), dataOffset, one.length), "the written chunk was recovered");
            // And the recovery's bits clear as well once it is done.
            idle(3 * sleep);
            assertDirtyOnDisk(m, 0, "after the recovery and three idle daemon_sleep periods");
            assertEquals(0, a.stop(), a.output());
        }
    }

    private List<Path> create(boolean assumeClean) throws Exception {
        List<Path> m = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path p = dir.resolve("m" + i + ".img");
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(MEMBER_BYTES);
            }
            m.add(p);
        }
        List<String> args = new ArrayList<>(List.of("create", "-l1", "-n2", "--bitmap-chunk=1M"));
        if (assumeClean) {
            args.add("--assume-clean");
        }
        args.add(m.get(0).toString());
        args.add(m.get(1).toString());
        Cli.Result r = Cli.run(args.toArray(new String[0]));
        assertEquals(0, r.rc(), r.err());
        return m;
    }

    /** nbdcopy of {@code bytes} of seeded random data to offset 0 of the export; no --flush. */
    private byte[] copyIn(ArrayProcess a, int bytes, long seed) throws Exception {
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        Path in = dir.resolve("in-" + seed + ".bin");
        Files.write(in, data);
        External.Run put = External.run("nbdcopy", in.toString(), a.uri());
        assertEquals(0, put.rc(), put.err());
        return data;
    }

    private static String awaitSyncIdle(ArrayProcess a) throws Exception {
        long end = System.nanoTime() + 120_000_000_000L;
        String d = a.detail();
        while (syncing(d) && System.nanoTime() < end) {
            Thread.sleep(100);
            d = a.detail();
        }
        assertFalse(syncing(d), d);
        return d;
    }

    private static boolean syncing(String detail) {
        return detail.contains("resync") || detail.contains("recover") || detail.contains("rebuild")
                || detail.contains("degraded");
    }

    private static void idle(long seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000);
    }

    private static void assertDirtyOnDisk(List<Path> m, long expected, String when) {
        for (Path p : m) {
            assertEquals(expected, dirtyOnDisk(p), "L1: dirty bits on disk in " + p.getFileName() + " " + when);
        }
    }

    private static final Pattern BITMAP = Pattern.compile("Bitmap : (\\d+) bits \\(chunks\\), (\\d+) dirty");

    /** What examine-bitmap (O_DIRECT, the disk, not the array's memory) says is dirty. */
    private static long dirtyOnDisk(Path member) {
        Matcher mt = BITMAP.matcher(examineBitmap(member));
        assertTrue(mt.find());
        return Long.parseLong(mt.group(2));
    }

    private static long bits(Path member) {
        Matcher mt = BITMAP.matcher(examineBitmap(member));
        assertTrue(mt.find());
        return Long.parseLong(mt.group(1));
    }

    private static long daemonSleepSeconds(Path member) {
        Matcher mt = Pattern.compile("Daemon : (\\d+)s flush period").matcher(examineBitmap(member));
        assertTrue(mt.find());
        long s = Long.parseLong(mt.group(1));
        assertEquals(5, s, "create's default daemon_sleep is md's 5 s");
        return s;
    }

    private static String examineBitmap(Path member) {
        Cli.Result r = Cli.run("examine-bitmap", member.toString());
        assertEquals(0, r.rc(), r.err());
        return r.out();
    }

    private static byte[] read(Path p, long at, int n) throws Exception {
        byte[] b = new byte[n];
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            f.seek(at);
            f.readFully(b);
        }
        return b;
    }
}
