package io.bitmirror.bitmapfile.extent;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmapfile.BitmapFileException;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Normalisation, validation messages, page mapping and the fiemap flyweight, without a kernel. */
class ExtentMapTest {

    @Test
    void normalisesSortsMergesAndCutsAtTheEnd() {
        ExtentMap m = ExtentMap.of(10_000, List.of(new Extent(8192, 73728, 4096, ExtentFlags.LAST),
                new Extent(0, 65536, 4096, 0), new Extent(4096, 69632, 4096, ExtentFlags.MERGED),
                new Extent(12288, 1 << 20, 4096, ExtentFlags.UNWRITTEN)));
        assertEquals("0:65536:12288", m.format());
        assertTrue(m.sameAs(ExtentMap.parse(10_000, "0:65536:12288")));
        assertEquals(65536 + 5000, m.deviceOffset(5000));
        assertEquals(-1, m.deviceOffset(20_000));
    }

    @ParameterizedTest
    @ValueSource(ints = {ExtentFlags.UNKNOWN, ExtentFlags.DELALLOC, ExtentFlags.ENCODED, ExtentFlags.DATA_ENCRYPTED,
        ExtentFlags.NOT_ALIGNED, ExtentFlags.DATA_INLINE, ExtentFlags.DATA_TAIL, ExtentFlags.UNWRITTEN,
        ExtentFlags.SHARED})
    void everyRefusedFlagIsNamed(int flag) {
        ExtentMap m = ExtentMap.of(4096, List.of(new Extent(0, 4096, 4096, flag | ExtentFlags.LAST)));
        BitmapFileException e = assertThrows(BitmapFileException.class, () -> m.validate("/x", 512));
        assertTrue(e.getMessage().startsWith("bitmap file /x: has "), e.getMessage());
        assertTrue(e.getMessage().contains("flags " + ExtentFlags.names(flag)), e.getMessage());
    }

    @Test
    void holesAndMisalignmentAreRefused() {
        BitmapFileException hole = assertThrows(BitmapFileException.class, () -> ExtentMap
                .of(8192, List.of(new Extent(4096, 4096, 4096, 0))).validate("/x", 512));
        assertTrue(hole.getMessage().contains("is sparse: a hole at bytes 0-4095"), hole.getMessage());
        BitmapFileException tail = assertThrows(BitmapFileException.class, () -> ExtentMap
                .of(8192, List.of(new Extent(0, 4096, 4096, 0))).validate("/x", 512));
        assertTrue(tail.getMessage().contains("a hole at bytes 4096-8191"), tail.getMessage());
        BitmapFileException mis = assertThrows(BitmapFileException.class, () -> ExtentMap
                .of(4096, List.of(new Extent(0, 1024, 4096, 0))).validate("/x", 4096));
        assertTrue(mis.getMessage().contains("not aligned to the device's 4096-byte logical blocks"), mis.getMessage());
        assertThrows(BitmapFileException.class, () -> ExtentMap.of(0, List.of()).validate("/x", 512));
    }

    @Test
    void aPageSpanningExtentsAndAPartialLastPage() throws Exception {
        // 6000 bytes: page 0 spans two extents, page 1 is 1904 bytes, written as 2048 (4 x 512).
        ExtentMap m = ExtentMap.of(6000, List.of(new Extent(0, 1 << 20, 1024, 0), new Extent(1024, 2 << 20, 7168, 0)));
        m.validate("/x", 512);
        PageMap pm = PageMap.of(m, 4096, 512);
        assertEquals(2, pm.pages());
        assertEquals(2, pm.firstSegment(1) - pm.firstSegment(0));
        assertEquals(1 << 20, pm.device(0));
        assertEquals(1024, pm.length(0));
        assertEquals((2 << 20), pm.device(1));
        assertEquals(1024, pm.pageOffset(1));
        assertEquals(4096, pm.pageBytes(0));
        assertEquals(2048, pm.pageBytes(1));
        assertEquals((2 << 20) + 3072, pm.device(pm.firstSegment(1)));
    }

    @Test
    void fiemapFlyweightMatchesTheKernelLayout() {
        assertEquals(32, FiemapLayout.HEADER_LENGTH);
        assertEquals(56, FiemapLayout.EXTENT_LENGTH);
        assertEquals(0xC020660BL, FiemapLayout.FS_IOC_FIEMAP, "_IOWR('f', 11, 32-byte struct fiemap)");
        Fiemap fm = new Fiemap().wrap(ByteBuffer.allocateDirect(FiemapLayout.length(4)));
        fm.request(4096, 1 << 20, FiemapLayout.FIEMAP_FLAG_SYNC);
        assertEquals(4, fm.buffer().getInt(FiemapLayout.FM_EXTENT_COUNT_OFFSET));
        assertEquals(4096, fm.buffer().getLong(0));
        fm.putExtent(1, 8192, 123 * 4096L, 4096, ExtentFlags.LAST | ExtentFlags.SHARED);
        assertEquals(8192, fm.buffer().getLong(32 + 56));
        assertEquals(123 * 4096L, fm.physical(1));
        assertEquals(ExtentFlags.LAST | ExtentFlags.SHARED, fm.buffer().getInt(32 + 56 + 40));
        assertEquals("last|shared", ExtentFlags.names(fm.extentFlags(1)));
    }
}
