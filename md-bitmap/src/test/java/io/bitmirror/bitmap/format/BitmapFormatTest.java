package io.bitmirror.bitmap.format;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class BitmapFormatTest {

    private static ByteBuffer page() {
        return ByteBuffer.allocate(4096);
    }

    @Test
    void everyFieldRoundTripsAtTheOffsetFormatsMdSays() {
        ByteBuffer b = page();
        byte[] uuid = new byte[16];
        new SplittableRandom(7).nextBytes(uuid);
        BitmapSuperblock sb = new BitmapSuperblock().wrap(b, 0);
        sb.magic(0x6d746962).version(4).uuid(uuid).events(0x1122334455667788L).eventsCleared(42)
                .syncSize(123456789L).state(2).chunksize(1 << 26).daemonSleep(5).writeBehind(256)
                .sectorsReserved(8).nodes(0);
        // Read back through an independent little-endian view at the offsets of FORMATS.md.
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x6d746962, le.getInt(0));
        assertEquals('b', b.get(0));
        assertEquals('i', b.get(1));
        assertEquals('t', b.get(2));
        assertEquals('m', b.get(3));
        assertEquals(4, le.getInt(4));
        for (int i = 0; i < 16; i++) {
            assertEquals(uuid[i], b.get(8 + i));
        }
        assertEquals(0x1122334455667788L, le.getLong(24));
        assertEquals(42, le.getLong(32));
        assertEquals(123456789L, le.getLong(40));
        assertEquals(2, le.getInt(48));
        assertEquals(1 << 26, le.getInt(52));
        assertEquals(5, le.getInt(56));
        assertEquals(256, le.getInt(60));
        assertEquals(8, le.getInt(64));
        assertEquals(0, le.getInt(68));
        // And through the flyweight.
        byte[] u2 = new byte[16];
        sb.getUuid(u2);
        assertArrayEquals(uuid, u2);
        assertEquals(0x1122334455667788L, sb.events());
        assertEquals(42, sb.eventsCleared());
        assertEquals(123456789L, sb.syncSize());
        assertTrue(sb.isStale());
        assertEquals(1 << 26, sb.chunksize());
        assertEquals(5, sb.daemonSleep());
        assertEquals(256, sb.writeBehind());
        assertEquals(8, sb.sectorsReserved());
    }

    @Test
    void flyweightWorksAtAnOffsetInsideALargerBuffer() {
        ByteBuffer b = ByteBuffer.allocate(8192);
        BitmapSuperblock sb = new BitmapSuperblock().wrap(b, 4096);
        sb.init(new byte[16], 2048, 65536, 5, 0, 0);
        assertEquals(0, b.getInt(0));
        assertEquals(BitmapSuperblockLayout.MAGIC, b.order(ByteOrder.LITTLE_ENDIAN).getInt(4096));
        assertEquals(2048, sb.syncSize());
    }

    @Test
    void bitsAreLeastSignificantFirstFromByte256() {
        ByteBuffer b = page();
        int base = BitmapSuperblockLayout.LENGTH;
        BitmapBits.set(b, base, 0);
        BitmapBits.set(b, base, 9);
        assertEquals(0x01, b.get(256));
        assertEquals(0x02, b.get(257));
        assertTrue(BitmapBits.test(b, base, 9));
        assertFalse(BitmapBits.test(b, base, 8));
        assertEquals(2, BitmapBits.countDirty(b, base, 16));
        BitmapBits.clear(b, base, 9);
        assertEquals(1, BitmapBits.countDirty(b, base, 16));
        BitmapBits.fill(b, base, 13, true);
        assertEquals((byte) 0xff, b.get(256));
        assertEquals(0x1f, b.get(257));
        assertEquals(13, BitmapBits.countDirty(b, base, 13));
        assertEquals(13, BitmapBits.countDirty(b, base, 100));
    }

    @Test
    void countDirtyMatchesBitByBitCount() {
        SplittableRandom r = new SplittableRandom(11);
        ByteBuffer b = page();
        byte[] bytes = new byte[4096 - 256];
        r.nextBytes(bytes);
        b.put(256, bytes);
        for (int n : new int[] {0, 1, 7, 8, 63, 64, 65, 1000, 30720}) {
            long expect = 0;
            for (int i = 0; i < n; i++) {
                expect += (bytes[i / 8] >> (i % 8)) & 1;
            }
            assertEquals(expect, BitmapBits.countDirty(b, 256, n), "n=" + n);
        }
    }

    @Test
    void geometryAsMdadmComputesIt() {
        // 1 GiB of data in 64 MiB chunks: 16 bits; 256 + 2 bytes, one page.
        assertEquals(16, BitmapGeometry.chunks(2097152, 64 << 20));
        assertEquals(17, BitmapGeometry.chunks(2097153, 64 << 20));
        assertEquals(258, BitmapGeometry.totalBytes(16));
        assertEquals(4096, BitmapGeometry.roundedBytes(16, 4096));
        assertEquals(1, BitmapGeometry.pages(16));
        assertEquals(2, BitmapGeometry.pages(8 * (4096 - 256) + 1));
        // Default chunk: 64 MiB until 4 KiB of room is full, then doubled.
        assertEquals(64 << 20, BitmapGeometry.defaultChunk(2097152, 4096));
        long huge = (4096L - 256) * 8 * (64L << 20) / 512 + 1;
        assertEquals(128 << 20, BitmapGeometry.defaultChunk(huge, 4096));
    }

    private static BitmapSuperblock valid(ByteBuffer b) {
        byte[] uuid = new byte[16];
        uuid[0] = 1;
        return new BitmapSuperblock().wrap(b, 0).init(uuid, 2048, 65536, 5, 0, 8);
    }

    @Test
    void validatorAcceptsVersions3To5AndNamesWhatIsWrongOtherwise() {
        ByteBuffer b = page();
        BitmapSuperblock sb = valid(b);
        for (int v = 3; v <= 5; v++) {
            sb.version(v);
            BitmapValidator.validate(sb, null, 4096);
        }
        sb.version(6);
        MdFormatException e = assertThrows(MdFormatException.class, () -> BitmapValidator.validate(sb, null, -1));
        assertTrue(e.getMessage().startsWith("bitmap version 6:"), e.getMessage());
        assertEquals("bitmap version", e.field());
        sb.version(7);
        e = assertThrows(MdFormatException.class, () -> BitmapValidator.validate(sb, null, -1));
        assertTrue(e.getMessage().startsWith("bitmap version 7:"), e.getMessage());
        sb.version(4).magic(0x12345678);
        e = assertThrows(MdFormatException.class, () -> BitmapValidator.validate(sb, null, -1));
        assertTrue(e.getMessage().startsWith("bitmap magic 0x12345678:"), e.getMessage());
        sb.magic(BitmapSuperblockLayout.MAGIC).chunksize(3000);
        e = assertThrows(MdFormatException.class, () -> BitmapValidator.validate(sb, null, -1));
        assertTrue(e.getMessage().startsWith("bitmap chunksize 3000:"), e.getMessage());
        sb.chunksize(65536);
        byte[] other = new byte[16];
        e = assertThrows(MdFormatException.class, () -> BitmapValidator.validate(sb, other, -1));
        assertTrue(e.getMessage().startsWith("bitmap uuid 0100"), e.getMessage());
        sb.syncSize(1L << 40);
        e = assertThrows(MdFormatException.class, () -> BitmapValidator.validate(sb, null, 4096));
        assertTrue(e.getMessage().contains("only 4096 are available"), e.getMessage());
    }
}
