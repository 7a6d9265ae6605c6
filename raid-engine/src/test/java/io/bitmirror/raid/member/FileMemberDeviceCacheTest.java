package io.bitmirror.raid.member;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.testsupport.Requirements;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member in cache mode writeback keeps its writes in the page cache until a flush or a FUA
 * write, which end with fdatasync: checked on the kernel's own page flags
 * ({@link PageCacheProbe}), so a FUA write or flush that skipped fdatasync leaves dirty pages and
 * fails here. Mode none reads and writes the same bytes, and only it offers Linux AIO a target.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileMemberDeviceCacheTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path file(String name) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(8L * MIB);
        }
        return p;
    }

    private static ByteBuffer random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        ByteBuffer buf = DirectIo.allocate(n);
        buf.put(0, b);
        return buf;
    }

    @Test
    void fuaWriteAndFlushLeaveNoDirtyPage() throws Exception {
        Requirements.requireRoot("page flags through /proc/kpageflags");
        Path p = file("m");
        try (FileMemberDevice d = FileMemberDevice.open(p, CacheMode.WRITEBACK)) {
            assertEquals(CacheMode.WRITEBACK, d.cache());
            d.write(MIB, random(8 * 4096, 1), false);
            // The probe sees the page cache: a plain write is only there, dirty (the kernel's own
            // writeback starts after dirty_expire_centisecs, 30 s by default).
            assertEquals(8, PageCacheProbe.unsyncedPages(p, MIB, 8 * 4096), "a plain write stays in the page cache");
            d.flush();
            assertEquals(0, PageCacheProbe.unsyncedPages(p, MIB, 8 * 4096), "flush is fdatasync");

            d.write(2 * MIB, random(4 * 4096, 2), true);
            assertEquals(0, PageCacheProbe.unsyncedPages(p, 2 * MIB, 4 * 4096),
                    "a FUA write is durable when it returns (fdatasync)");
        }
    }

    @Test
    void bothModesReadWhatEitherWrote() throws Exception {
        Path p = file("m");
        ByteBuffer a = random(64 << 10, 3);
        ByteBuffer b = random(64 << 10, 4);
        try (FileMemberDevice d = FileMemberDevice.open(p, CacheMode.WRITEBACK)) {
            d.write(0, a.duplicate(), false);
            assertNull(d.directTarget(), "no Linux AIO on a page-cache member");
        }
        try (FileMemberDevice d = FileMemberDevice.open(p)) {
            assertEquals(CacheMode.NONE, d.cache());
            assertNotNull(d.directTarget(), "mode none offers its O_DIRECT descriptor");
            ByteBuffer got = DirectIo.allocate(64 << 10);
            d.read(0, got);
            assertEquals(a.clear(), got.flip(), "O_DIRECT reads what the page cache held");
            d.write(64 << 10, b.duplicate(), true);
        }
        try (FileMemberDevice d = FileMemberDevice.openReadOnly(p, CacheMode.WRITEBACK)) {
            ByteBuffer got = DirectIo.allocate(64 << 10);
            d.read(64 << 10, got);
            assertEquals(b.clear(), got.flip());
            assertThrows(IOException.class, () -> d.write(0, a.duplicate(), false), "read-only stays read-only");
        }
        byte[] all = Files.readAllBytes(p);
        byte[] want = new byte[64 << 10];
        a.clear().get(want);
        assertArrayEquals(want, Arrays.copyOfRange(all, 0, 64 << 10));
    }

    @Test
    void parseGivesOneLineErrors() {
        assertEquals(CacheMode.NONE, CacheMode.parse("none"));
        assertEquals(CacheMode.WRITEBACK, CacheMode.parse("writeback"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CacheMode.parse("unsafe"));
        assertEquals("--cache must be none or writeback: unsafe", e.getMessage());
    }
}
