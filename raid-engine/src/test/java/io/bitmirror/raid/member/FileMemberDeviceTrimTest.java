package io.bitmirror.raid.member;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.device.Ioctls;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trim on a file member punches a hole in the range's 4 KiB blocks: the range reads as zeroes,
 * the blocks are freed (SEEK_HOLE finds them, stat's block count drops), the bytes around it
 * are untouched. (Unaligned edges cannot reach an O_DIRECT member: the array trims whole blocks.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileMemberDeviceTrimTest {
    @TempDir
    Path dir;

    @Test
    void trimPunchesTheWholeBlocksAndZeroesTheEdges() throws Exception {
        Path p = dir.resolve("m");
        int size = 8 << 20;
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        byte[] data = new byte[4 << 20];
        new Random(13).nextBytes(data);
        // The member is O_DIRECT: the array trims whole 4 KiB blocks only.
        long t0 = (1 << 20) + 4096;
        long t1 = (3 << 20) + 4096;
        try (FileMemberDevice d = FileMemberDevice.open(p)) {
            ByteBuffer b = DirectIo.allocate(data.length);
            b.put(data).flip();
            d.write(0, b, true);
            long before = blocks(p);

            d.trim(t0, t1 - t0);
            d.flush();

            assertEquals(t0, d.seekHole(0), "the hole starts where the trim does");
            assertEquals(t1, d.seekData(t0), "and ends where it does");
            long freed = before - blocks(p);
            assertTrue(freed >= t1 - t0, "the blocks are freed: " + freed + " bytes");

            ByteBuffer r = DirectIo.allocate(data.length);
            d.read(0, r);
            r.flip();
            byte[] back = new byte[data.length];
            r.get(back);
            for (int i = 0; i < back.length; i++) {
                byte want = i >= t0 && i < t1 ? 0 : data[i];
                if (back[i] != want) {
                    fail("byte " + i + " is " + back[i] + ", expected " + want);
                }
            }
        }
    }

    @Test
    void aOneBlockTrimPunchesThatBlockOnly() throws Exception {
        Path p = dir.resolve("m");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        try (FileMemberDevice d = FileMemberDevice.open(p)) {
            ByteBuffer b = DirectIo.allocate(3 * 4096);
            for (int i = 0; i < b.capacity(); i++) {
                b.put((byte) 0x5a);
            }
            b.flip();
            d.write(0, b, true);
            d.trim(4096, 4096);
            assertEquals(4096, d.seekHole(0));
            assertEquals(8192, d.seekData(4096));
            ByteBuffer r = DirectIo.allocate(3 * 4096);
            d.read(0, r);
            for (int i = 0; i < r.capacity(); i++) {
                assertEquals(i >= 4096 && i < 8192 ? 0 : 0x5a, r.get(i) & 0xff, "byte " + i);
            }
        }
    }

    /** Bytes allocated to the file (stat's blocks, 512 each). */
    static long blocks(Path p) throws Exception {
        return Ioctls.posix().stat(p.toString()).blocks() * 512;
    }
}
