package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberIoMode;
import io.bitmirror.raid.io.NbdFuseMember;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A member that stops answering, for real: its file is an NBD export seen through nbdfuse, and
 * the nbdkit behind it is stopped (SIGSTOP), so the kernel holds the member's writes forever.
 * The array fails the member after {@code memberTimeoutMillis} (a data write or a bitmap page
 * write, whichever reaches it first), goes on degraded, and every
 * write it acknowledged is on the other member and reads back; the chunks stay dirty (W4). When
 * nbdkit goes on (SIGCONT) the late answers are ignored and the array stops cleanly.
 */
class HungMemberTest {
    private static final int BLOCK = 4096;
    private static final long SIZE = 64L << 20;
    private static final long TIMEOUT_MS = 1500;

    @TempDir
    Path dir;

    /**
     * {@code submitted}: the writes go through {@link RaidArray#writeAsync} (the NBD server's
     * path), where nobody waits on the request: the fan-out's watchdog must end it.
     */
    @ParameterizedTest(name = "member I/O: {0}, submitted: {1}")
    @CsvSource({"AIO, false", "THREADS, false", "AIO, true", "THREADS, true"})
    void aMemberThatStopsAnsweringIsFailedAndNothingAcknowledgedIsLost(MemberIoMode mode, boolean submitted)
            throws Exception {
        Path local = dir.resolve("local.img");
        try (RandomAccessFile f = new RandomAccessFile(local.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        List<long[]> acknowledged = new ArrayList<>();
        try (NbdFuseMember remote = new NbdFuseMember(dir, SIZE)) {
            List<Path> m = List.of(local, remote.file());
            // 1 MiB chunks: the writes while the member hangs dirty new chunks, so bitmap page
            // writes go to the hung copy too, and must be timed out like the data.
            ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(1L << 20).name("hung")
                    .homehost("h").assumeClean(true).devices(m).build()).write();
            RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).memberIo(mode).memberTimeoutMillis(TIMEOUT_MS)
                    .daemonSleepMillis(60_000).build());
            long blocks = a.sizeBytes() / BLOCK;
            SplittableRandom r = new SplittableRandom(42);
            try {
                assertEquals(mode.word(), a.status().memberIo());
                write(a, r, 0, acknowledged, submitted);
                assertEquals(0, a.status().members().stream().filter(x -> x.state() == MemberState.FAULTY).count());

                remote.signal("STOP");
                long t0 = System.nanoTime();
                // Bounded, so that an array that waits on the member fails here rather than hangs.
                assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
                    for (int i = 1; i <= 64; i++) {
                        write(a, r, (r.nextLong(blocks)) * BLOCK, acknowledged, submitted);
                    }
                }, "the array kept waiting on the hung member");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                ArrayStatus st = a.status();
                assertTrue(st.degraded(), "the array must go on degraded: " + st.state());
                assertEquals(MemberState.FAULTY, st.members().get(1).state(), "the hung member is failed");
                assertEquals(MemberState.IN_SYNC, st.members().get(0).state());
                assertTrue(ms >= TIMEOUT_MS, "failed before its time-out: " + ms + " ms");
                assertTrue(ms < TIMEOUT_MS + 20_000, "64 writes took " + ms + " ms: only the first waits");
                assertTrue(st.dirtyChunks() > 0, "a degraded array keeps its chunks dirty (W4)");
                // Every acknowledged write reads back, from the array and from the surviving member.
                for (long[] w : acknowledged) {
                    ByteBuffer got = ByteBuffer.allocate(BLOCK);
                    a.read(w[0], got);
                    assertEquals(w[1], pattern(got.array()), "array read at " + w[0]);
                }
            } finally {
                remote.signal("CONT");
                a.stop();
            }
        }
        long dataOffset = io.bitmirror.raid.metadata.MetadataReader.read(local).superblock().dataOffset() * 512;
        try (RandomAccessFile f0 = new RandomAccessFile(local.toFile(), "r")) {
            for (long[] w : acknowledged) {
                byte[] b = new byte[BLOCK];
                f0.seek(dataOffset + w[0]);
                f0.readFully(b);
                assertEquals(w[1], pattern(b), "surviving member at " + w[0]);
            }
        }
    }

    /** Writes one block of a seeded pattern at {@code at} and records it as acknowledged. */
    private static void write(RaidArray a, SplittableRandom r, long at, List<long[]> acknowledged, boolean submitted)
            throws Exception {
        long seed = r.nextLong();
        byte[] b = new byte[BLOCK];
        new SplittableRandom(seed).nextBytes(b);
        if (submitted) {
            IoSlot s = a.acquireSlot();
            try {
                s.data().clear().put(b);
                CompletableFuture<io.bitmirror.raid.ArrayException> ended = new CompletableFuture<>();
                assertTrue(a.writeAsync(s, at, BLOCK, false, (slot, e) -> ended.complete(e)),
                        "an aligned write is submitted when the members are asynchronous");
                io.bitmirror.raid.ArrayException e = ended.get();
                if (e != null) {
                    throw e;
                }
            } finally {
                a.releaseSlot(s);
            }
        } else {
            a.write(at, ByteBuffer.wrap(b), false);
        }
        acknowledged.removeIf(w -> w[0] == at);
        acknowledged.add(new long[] {at, pattern(b)});
    }

    private static long pattern(byte[] b) {
        return java.util.Arrays.hashCode(b);
    }
}
