package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.metadata.TestArrays;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member file truncated under a running array: the read error it causes fails the member;
 * the read-error repair never writes past its new end (which would extend it with holes that
 * read as zeroes). The housekeeping tick is made slow here, so the read path alone must catch it
 * (ArrayProcess-based TruncatedMemberTest in tools covers the tick).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShrunkMemberTest {
    @TempDir
    Path dir;

    @Test
    void readErrorOnAShrunkMemberFailsItInsteadOfRepairing() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 16L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(1 << 20).name("t").homehost("h")
                .assumeClean(true).devices(m).build()).write();
        // safe mode 10 min: the housekeeper ticks every 2.5 min, after this test is over.
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).safeModeMillis(600_000).build());
        try {
            long size = a.sizeBytes();
            byte[] data = new byte[(int) size];
            new SplittableRandom(7).nextBytes(data);
            for (int at = 0; at < size; at += 1 << 20) {
                a.write(at, ByteBuffer.wrap(data, at, (int) Math.min(1 << 20, size - at)).slice(), false);
            }
            a.flush();
            long cut = 8L << 20;
            try (RandomAccessFile f = new RandomAccessFile(m.get(1).toFile(), "rw")) {
                f.setLength(cut);
            }
            // Reads alternate between the members: some land past member 1's new end.
            for (int round = 0; round < 3; round++) {
                for (int at = 0; at < size; at += 64 << 10) {
                    int n = (int) Math.min(64 << 10, size - at);
                    ByteBuffer back = ByteBuffer.allocate(n);
                    a.read(at, back);
                    assertArrayEquals(java.util.Arrays.copyOfRange(data, at, at + n), back.array(),
                            "round " + round + ", bytes at " + at);
                }
            }
            assertEquals(MemberState.FAULTY, a.status().members().get(1).state(), a.status().toString());
            assertTrue(a.status().degraded(), a.status().state());
            assertEquals(cut, Files.size(m.get(1)), "the truncated member was written past its new end");
        } finally {
            a.stop();
        }
    }
}
