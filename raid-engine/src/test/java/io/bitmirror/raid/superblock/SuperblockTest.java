package io.bitmirror.raid.superblock;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SuperblockTest {

    @Test
    void everyFieldRoundTripsAtTheOffsetFormatsMdSays() {
        ByteBuffer b = ByteBuffer.allocate(4096);
        Superblock sb = new Superblock().wrap(b, 0);
        byte[] set = bytes(1);
        byte[] dev = bytes(2);
        sb.magic(SuperblockLayout.MAGIC).majorVersion(1).featureMap(0x1).pad0(0).setUuid(set).setName("host:data")
                .ctime(0x0102030405L).level(1).layout(0).size(1000).chunksize(0).raidDisks(2).bitmapOffset(-16)
                .newLevel(3).reshapePosition(77).deltaDisks(-1).newLayout(5).newChunk(6).newOffset(-7)
                .dataOffset(2048).dataSize(3000).superOffset(8).recoveryOffset(99).devNumber(1)
                .cntCorrectedRead(12).deviceUuid(dev).devflags(3).bblogShift(4).bblogSize(8).bblogOffset(-24)
                .utime(0x0a0b0c0d0eL).events(0x1234567890L).resyncOffset(-1).sbCsum(0xdeadbeef).maxDev(384);
        sb.devRole(0, 0).devRole(1, 0xfffe).devRole(383, 0xffff);
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa92b4efc, le.getInt(0));
        assertEquals(1, le.getInt(4));
        assertEquals(1, le.getInt(8));
        for (int i = 0; i < 16; i++) {
            assertEquals(set[i], b.get(16 + i));
            assertEquals(dev[i], b.get(168 + i));
        }
        assertEquals('h', b.get(32));
        assertEquals(0, b.get(32 + 9));
        assertEquals(0x0102030405L, le.getLong(64));
        assertEquals(1, le.getInt(72));
        assertEquals(1000, le.getLong(80));
        assertEquals(2, le.getInt(92));
        assertEquals(-16, le.getInt(96));
        assertEquals(3, le.getInt(100));
        assertEquals(77, le.getLong(104));
        assertEquals(-1, le.getInt(112));
        assertEquals(5, le.getInt(116));
        assertEquals(6, le.getInt(120));
        assertEquals(-7, le.getInt(124));
        assertEquals(2048, le.getLong(128));
        assertEquals(3000, le.getLong(136));
        assertEquals(8, le.getLong(144));
        assertEquals(99, le.getLong(152));
        assertEquals(1, le.getInt(160));
        assertEquals(12, le.getInt(164));
        assertEquals(3, b.get(184));
        assertEquals(4, b.get(185));
        assertEquals(8, le.getShort(186));
        assertEquals(-24, le.getInt(188));
        assertEquals(0x0a0b0c0d0eL, le.getLong(192));
        assertEquals(0x1234567890L, le.getLong(200));
        assertEquals(-1L, le.getLong(208));
        assertEquals(0xdeadbeef, le.getInt(216));
        assertEquals(384, le.getInt(220));
        assertEquals(0, le.getShort(256));
        assertEquals((short) 0xfffe, le.getShort(258));
        assertEquals((short) 0xffff, le.getShort(256 + 2 * 383));
        // The flyweight reads back what it wrote.
        assertArrayEquals(set, sb.setUuid());
        assertArrayEquals(dev, sb.deviceUuid());
        assertEquals("host:data", sb.setName());
        assertEquals(-16, sb.bitmapOffset());
        assertEquals(3, sb.devflags());
        assertEquals(8, sb.bblogSize());
        assertEquals(0xfffe, sb.role());
        assertTrue(sb.isClean());
        assertEquals(0x1234567890L, sb.events());
    }

    /** The kernel's algorithm written independently: byte-wise assembly of words, BigInteger-free fold. */
    static int referenceChecksum(byte[] sbBytes, int maxDev) {
        int size = 256 + 2 * maxDev;
        long sum = 0;
        for (int i = 0; i < size; i += 4) {
            long word = 0;
            int n = Math.min(4, size - i);
            for (int k = n - 1; k >= 0; k--) {
                int at = i + k;
                int v = (at >= 216 && at < 220) ? 0 : sbBytes[at] & 0xff;
                word = (word << 8) | v;
            }
            sum += word;
        }
        long folded = (sum & 0xffffffffL) + (sum >>> 32);
        return (int) folded;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 127, 128, 383, 384, 1919, 1920})
    void checksumMatchesTheKernelAlgorithmForOddAndEvenMaxDev(int maxDev) {
        SplittableRandom r = new SplittableRandom(maxDev);
        for (int round = 0; round < 50; round++) {
            byte[] raw = new byte[4096];
            r.nextBytes(raw);
            ByteBuffer b = ByteBuffer.wrap(raw);
            Superblock sb = new Superblock().wrap(b, 0).maxDev(maxDev);
            int expected = referenceChecksum(raw, maxDev);
            assertEquals(expected, sb.computeChecksum(), "maxDev=" + maxDev);
            sb.updateChecksum();
            assertEquals(expected, sb.sbCsum());
        }
    }

    @Test
    void checksumKnownVector() {
        // All-0xff superblock with max_dev 1: 64 words of 0xffffffff (one is sb_csum, taken as 0)
        // minus the max_dev word, plus max_dev=1, plus a trailing u16 0xffff.
        byte[] raw = new byte[4096];
        java.util.Arrays.fill(raw, (byte) 0xff);
        ByteBuffer b = ByteBuffer.wrap(raw);
        Superblock sb = new Superblock().wrap(b, 0).maxDev(1);
        long sum = 62L * 0xffffffffL + 1 + 0xffff;
        int expected = (int) ((sum & 0xffffffffL) + (sum >>> 32));
        assertEquals(expected, sb.computeChecksum());
    }

    @Test
    void mdTimeKeepsSecondsInTheLow40BitsAndMicrosAbove() {
        Instant t = Instant.ofEpochSecond(1_700_000_000L, 123_456_000);
        long e = MdTime.encode(t);
        assertEquals(1_700_000_000L, e & ((1L << 40) - 1));
        assertEquals(123_456, e >>> 40);
        assertEquals(t, MdTime.decode(e));
    }

    @Test
    void placementsOfTheThreeVersions() {
        assertEquals(8, SuperblockVersion.V1_2.superOffset(2097152));
        assertEquals(0, SuperblockVersion.V1_1.superOffset(2097152));
        assertEquals((2097152 - 16) & ~7L, SuperblockVersion.V1_0.superOffset(2097152));
        assertEquals(2097128, SuperblockVersion.V1_0.superOffset(2097152 - 7));
        assertEquals(SuperblockVersion.V1_2, SuperblockVersion.fromSuperOffset(8));
        assertEquals(SuperblockVersion.V1_1, SuperblockVersion.fromSuperOffset(0));
        assertEquals(SuperblockVersion.V1_0, SuperblockVersion.fromSuperOffset(1000));
    }

    private static byte[] bytes(int seed) {
        byte[] b = new byte[16];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }
}
