package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * md's scrub through the real CLI on a running array: silent corruption planted behind the
 * array's back in clean chunks of one member is counted by {@code manage --action=check} (in
 * sectors, per differing 4 KiB block) without a byte of either member changing; {@code
 * --action=repair} rewrites it from the first member, after which the data areas are identical
 * and a second check counts 0. {@code --action=idle} stops a long check; refusals are one line.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ScrubOverControlSocketTest {
    private static final long MEMBER_BYTES = 64L << 20;
    private static final int CHUNK = 1 << 20;
    private static final int BLOCK = 4096;
    private static final Pattern MISMATCH = Pattern.compile("\"mismatchBytes\":(\\d+)");

    @TempDir
    Path dir;

    @Test
    void checkCountsPlantedCorruptionRepairFixesItSecondCheckCountsZero() throws Exception {
        External.requireTool("nbdcopy");
        List<Path> m = NbdClientsTest.createArray(dir, MEMBER_BYTES, "--bitmap-chunk=1M");
        long dataOffset = MetadataReader.read(m.get(1)).superblock().dataOffset() * 512;
        long arrayBytes = MetadataReader.read(m.get(1)).superblock().size() * 512;
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            String c = "--control=" + a.control;
            // Some data through NBD first (chunks 0-3), on both members alike.
            byte[] data = new byte[4 * CHUNK];
            new Random(1).nextBytes(data);
            Path in = dir.resolve("in.bin");
            Files.write(in, data);
            External.Run put = External.run("nbdcopy", "--flush", in.toString(), a.uri());
            assertEquals(0, put.rc(), put.err());
            assertTrue(json(a).contains("\"mismatchBytes\":0"), json(a));
            // Idle: the written chunks' bits cleared, the superblocks clean; from now on nothing
            // but a rewrite changes a member file.
            long end = System.nanoTime() + 60_000_000_000L;
            while (!(json(a).contains("\"dirtyChunks\":0") && json(a).contains("\"state\":\"clean\""))
                    && System.nanoTime() < end) {
                Thread.sleep(200);
            }
            assertTrue(json(a).contains("\"dirtyChunks\":0") && json(a).contains("\"state\":\"clean\""), json(a));

            // Silent corruption: 5 blocks of random bytes in clean chunks 20 and 41 of member 1
            // only (two of them adjacent: one run), behind the array's back.
            long[] planted = {20L * CHUNK + 8 * BLOCK, 20L * CHUNK + 9 * BLOCK, 20L * CHUNK + 100 * BLOCK,
                    41L * CHUNK, 41L * CHUNK + 255 * BLOCK};
            Random r = new Random(7);
            try (RandomAccessFile f = new RandomAccessFile(m.get(1).toFile(), "rw")) {
                for (long at : planted) {
                    byte[] junk = new byte[BLOCK];
                    r.nextBytes(junk);
                    f.seek(dataOffset + at);
                    f.write(junk);
                }
                f.getFD().sync();
            }
            String before0 = sha256(m.get(0));
            String before1 = sha256(m.get(1));
            byte[] data0 = read(m.get(0), dataOffset, (int) arrayBytes);

            Cli.Result check = Cli.run("manage", c, "--action=check");
            assertEquals(0, check.rc(), check.err());
            assertTrue(check.out().contains("check started"), check.out());
            String d = awaitIdle(a);
            long expected = planted.length * (BLOCK / 512);
            assertEquals(expected, mismatch(a), "every planted 4 KiB block counts 8 sectors:\n" + d);
            assertTrue(d.contains("Mismatch Count : " + expected), d);
            assertEquals(before0, sha256(m.get(0)), "check writes nothing to member 0");
            assertEquals(before1, sha256(m.get(1)), "check writes nothing to member 1");
            assertTrue(a.output().contains("check done: " + expected + " mismatched sectors"), a.output());

            Cli.Result repair = Cli.run("manage", c, "--action=repair");
            assertEquals(0, repair.rc(), repair.err());
            awaitIdle(a);
            assertEquals(expected, mismatch(a), "a repair counts what it rewrites");
            // (Its superblock and bitmap move: the rewrites are writes, their chunks' bits set.)
            assertArrayEquals(data0, read(m.get(0), dataOffset, (int) arrayBytes),
                    "repair rewrites the other members from the first, whose data stays as it was");
            assertArrayEquals(read(m.get(0), dataOffset, (int) arrayBytes), read(m.get(1), dataOffset, (int) arrayBytes),
                    "after repair the data areas are identical");
            byte[] first4 = read(m.get(1), dataOffset, data.length);
            assertArrayEquals(data, first4, "the data written through NBD is still there");

            assertEquals(0, Cli.run("manage", c, "--action=check").rc());
            awaitIdle(a);
            assertEquals(0, mismatch(a), "a second check finds nothing");
            assertEquals(0, a.stop(), a.output());
        }
    }

    @Test
    void idleStopsALongCheckAndRefusalsAreOneLine() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, MEMBER_BYTES, "--bitmap-chunk=1M");
        // 64 MiB at 2 MiB/s: half a minute, far longer than the test waits.
        try (ArrayProcess a = ArrayProcess.start(dir, List.of("--speed-limit-max=2000", "--speed-limit-min=1000"), m)) {
            String c = "--control=" + a.control;
            assertEquals(0, Cli.run("manage", c, "--action=check").rc());
            Pattern progress = Pattern.compile("check = ([0-9.]+)% \\((\\d+)/(\\d+)\\) finish=[0-9.]+min speed=\\d+K/sec");
            String d = a.detail();
            long end = System.nanoTime() + 30_000_000_000L;
            while (!progress.matcher(d).find() && System.nanoTime() < end) {
                Thread.sleep(100);
                d = a.detail();
            }
            Matcher p = progress.matcher(d);
            assertTrue(p.find(), d);
            assertTrue(d.contains("Check Status : "), d);
            assertTrue(d.contains("State : clean, checking") || d.contains("State : active, checking"), d);
            assertTrue(json(a).contains("\"action\":\"check\""), json(a));

            Cli.Result again = Cli.run("manage", c, "--action=repair");
            assertEquals(1, again.rc());
            assertEquals(1, again.errLines().size(), again.err());
            assertTrue(again.err().contains("a check is already running"), again.err());

            Thread.sleep(1500);
            Cli.Result idle = Cli.run("manage", c, "--action=idle");
            assertEquals(0, idle.rc(), idle.err());
            assertTrue(idle.out().contains("check stopped"), idle.out());
            String after = awaitIdle(a);
            Matcher done = Pattern.compile("\"doneBytes\":(\\d+)").matcher(json(a));
            assertTrue(done.find());
            long doneKiB = Long.parseLong(done.group(1)) / 1024;
            assertTrue(doneKiB > 0 && doneKiB < MEMBER_BYTES / 1024 / 2, "stopped part way: " + doneKiB + " KiB\n" + after);
            assertTrue(a.output().contains("check stopped"), a.output());
            Cli.Result nothing = Cli.run("manage", c, "--action=idle");
            assertEquals(0, nothing.rc(), nothing.err());
            assertTrue(nothing.out().contains("no check or repair running"), nothing.out());

            // Degraded: nothing to compare a failed member with.
            assertEquals(0, Cli.run("manage", c, "--fail", m.get(1).toString()).rc());
            Cli.Result degraded = Cli.run("manage", c, "--action=check");
            assertEquals(1, degraded.rc());
            assertEquals(1, degraded.errLines().size(), degraded.err());
            assertTrue(degraded.err().contains("degraded"), degraded.err());
            assertEquals(0, a.stop(), a.output());
        }
    }

    @Test
    void badActionValuesAreUsageErrors() {
        Path sock = dir.resolve("none.sock");
        Cli.Result bad = Cli.run("manage", "--control=" + sock, "--action=scrub");
        assertEquals(2, bad.rc(), bad.err());
        assertTrue(bad.errLines().get(0).contains("--action") && bad.errLines().get(0).contains("scrub"), bad.err());
        assertTrue(bad.errLines().get(0).contains("check") && bad.errLines().get(0).contains("repair"), bad.err());
        Cli.Result withDevice = Cli.run("manage", "--control=" + sock, "--action=check", "/dev/null");
        assertEquals(2, withDevice.rc(), withDevice.err());
        assertEquals(1, withDevice.errLines().size(), withDevice.err());
        assertTrue(withDevice.err().contains("--action takes no DEVICE"), withDevice.err());
        Cli.Result noDevice = Cli.run("manage", "--control=" + sock, "--fail");
        assertEquals(2, noDevice.rc(), noDevice.err());
        assertEquals(1, noDevice.errLines().size(), noDevice.err());
        assertTrue(noDevice.err().contains("missing DEVICE"), noDevice.err());
        Cli.Result two = Cli.run("manage", "--control=" + sock, "--action=check", "--fail");
        assertEquals(2, two.rc(), two.err());
    }

    private static String json(ArrayProcess a) throws Exception {
        return io.bitmirror.tools.control.ControlClient.request(a.control, "detail").toString();
    }

    private static long mismatch(ArrayProcess a) throws Exception {
        Matcher mt = MISMATCH.matcher(json(a));
        assertTrue(mt.find());
        // The detail object counts bytes; md's mismatch_cnt (and the log line) sectors.
        return Long.parseLong(mt.group(1)) / 512;
    }

    /** Waits until sync_action is idle; returns the detail text then. */
    private static String awaitIdle(ArrayProcess a) throws Exception {
        long end = System.nanoTime() + 120_000_000_000L;
        while (!json(a).contains("\"action\":\"idle\"") && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertTrue(json(a).contains("\"action\":\"idle\""), a.detail());
        return a.detail();
    }

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
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
