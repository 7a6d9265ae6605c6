package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberIoMode;
import io.bitmirror.raid.io.NbdFuseMember;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Submitted reads ({@link RaidArray#readAsync}, the NBD server's path) with a member whose reads
 * fail for real: its file is nbdfuse over nbdkit, whose error filter fails every read with EIO
 * while a trigger file exists. Reads go to the members in turn, so about half are first sent to
 * the failing one: each must still end with the right bytes (read again from the other member),
 * and the failing member keeps its place (the range is rewritten on it, as md does), so once the
 * trigger is gone every block reads back right from either member.
 */
class AsyncReadTest {
    private static final int BLOCK = 4096;
    private static final long SIZE = 16L << 20;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "member I/O: {0}")
    @EnumSource(value = MemberIoMode.class, names = {"AIO", "THREADS"})
    void aReadErrorIsReadFromTheOtherMemberAndRewritten(MemberIoMode mode) throws Exception {
        Path local = dir.resolve("local.img");
        try (RandomAccessFile f = new RandomAccessFile(local.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        Path trigger = dir.resolve("fail-reads");
        try (NbdFuseMember remote = new NbdFuseMember(dir, SIZE, "--filter=error", "error=EIO",
                "error-pread-rate=100%", "error-pread-file=" + trigger)) {
            List<Path> m = List.of(local, remote.file());
            ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(1L << 20).name("aread")
                    .homehost("h").assumeClean(true).devices(m).build()).write();
            RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).memberIo(mode).build());
            try {
                assertTrue(a.asynchronousWrites());
                int n = 48;
                long[] at = new long[n];
                byte[][] want = new byte[n][];
                SplittableRandom r = new SplittableRandom(7);
                for (int i = 0; i < n; i++) {
                    at[i] = (long) i * 5 * BLOCK;
                    want[i] = new byte[BLOCK];
                    r.nextBytes(want[i]);
                    a.write(at[i], ByteBuffer.wrap(want[i]), false);
                }
                a.flush();
                Files.createFile(trigger);
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(want[i], readAsync(a, at[i]), "block at " + at[i] + " with read errors");
                }
                Files.delete(trigger);
                for (MemberState s : List.of(a.status().members().get(0).state(), a.status().members().get(1).state())) {
                    assertEquals(MemberState.IN_SYNC, s, "a read error that was rewritten fails no member");
                }
                // Each block twice: both members in turn, the failing one's rewritten copy included.
                for (int k = 0; k < 2; k++) {
                    for (int i = 0; i < n; i++) {
                        assertArrayEquals(want[i], readAsync(a, at[i]), "block at " + at[i] + " after the errors");
                    }
                }
            } finally {
                a.stop();
            }
        }
    }

    private static byte[] readAsync(RaidArray a, long at) throws Exception {
        IoSlot s = a.acquireSlot();
        try {
            CompletableFuture<ArrayException> ended = new CompletableFuture<>();
            assertTrue(a.readAsync(s, at, BLOCK, (slot, e) -> ended.complete(e)),
                    "an aligned read is submitted when the members are asynchronous");
            ArrayException e = ended.get(60, TimeUnit.SECONDS);
            if (e != null) {
                throw e;
            }
            byte[] got = new byte[BLOCK];
            s.data().get(0, got);
            return got;
        } finally {
            a.releaseSlot(s);
        }
    }
}
