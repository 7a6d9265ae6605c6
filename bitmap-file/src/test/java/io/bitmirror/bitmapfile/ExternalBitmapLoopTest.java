package io.bitmirror.bitmapfile;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.store.PendingWrites;
import io.bitmirror.bitmapfile.config.ArrayRecord;
import io.bitmirror.bitmapfile.extent.ExtentMap;
import io.bitmirror.bitmapfile.extent.ExtentResolver;
import io.bitmirror.bitmapfile.store.ExternalBitmapStore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The external bitmap file on real ext4 and xfs filesystems in loop-mounted images (root):
 * resolved addresses equal filefrag's, bits written through the device are seen by an O_DIRECT
 * reader and by the real mdadm while the store is open, and by a plain buffered read after a
 * clean stop; fragmented files work; the file cannot be changed while open.
 */
class ExternalBitmapLoopTest {
    /** 100,000 chunks of 64 KiB: superblock and bits take 4 pages, the last partial. */
    static final long SYNC_SECTORS = 100_000L * 128;
    static final int CHUNK = 64 << 10;
    static final long CHUNKS = 100_000;

    @TempDir
    Path dir;

    static byte[] uuid(long seed) {
        byte[] u = new byte[16];
        new SplittableRandom(seed).nextBytes(u);
        return u;
    }

    static LoopFs fs(String kind, Path dir) throws Exception {
        return kind.equals("xfs") ? LoopFs.xfs(dir, "xfs") : LoopFs.ext4(dir, "ext4", 64L << 20, 4096);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void offsetsEqualFilefragAndBitsAreSeenWhileOpenAndAfterStop(String kind) throws Exception {
        Host.requireTools("mdadm");
        try (LoopFs fs = fs(kind, dir)) {
            Path file = fs.file("md0.bitmap");
            Path conf = dir.resolve("bitmirror.conf");
            byte[] uuid = uuid(1);
            ExternalBitmap.validateLocation(file, List.of());
            BitmapFileWriter.create(file, uuid, SYNC_SECTORS, CHUNK, 5, false, false);
            ArrayRecord rec = ExternalBitmap.register(file, uuid, conf);
            assertTrue(rec.extents().sameAs(Filefrag.of(file)), "ours " + rec.extents() + " vs filefrag "
                    + Filefrag.of(file));
            assertEquals(file, ExternalBitmap.find(uuid, conf).orElseThrow());

            // Fill the page cache with the old bytes: after the stop a buffered read must not see them.
            byte[] before = Files.readAllBytes(file);
            ByteBuffer image = ByteBuffer.wrap(before.clone()).order(ByteOrder.LITTLE_ENDIAN);
            SplittableRandom r = new SplittableRandom(Host.seed(7));
            long dirty = 0;
            for (long c = 0; c < CHUNKS; c++) {
                if (r.nextInt(10) == 0) {
                    BitmapBits.set(image, 256, c);
                    dirty++;
                }
            }
            ExternalBitmap.OpenResult opened = ExternalBitmap.open(file, uuid, List.of(), conf, false);
            assertFalse(opened.rebuilt());
            try (ExternalBitmapStore store = opened.store()) {
                assertTrue(store.immutable(), "immutable flag set while open");
                assertEquals(fs.loop(), store.device());
                PendingWrites pending = new PendingWrites();
                int pages = (int) ((store.sizeBytes() + 4095) / 4096);
                for (int p = 0; p < pages; p++) {
                    store.writePage(p, image.slice(p * 4096, 4096), 4096, pending);
                }
                assertTrue(pending.awaitZero(TimeUnit.SECONDS.toNanos(10)));
                store.flush();

                ByteBuffer direct = ExternalBitmap.readDirect(file, before.length);
                assertEquals(image.rewind(), direct, "O_DIRECT read of the file while open");
                Host.Run md = Host.run("mdadm", "--examine-bitmap", file.toString()).ok();
                Matcher m = Pattern.compile("Bitmap : (\\d+) bits \\(chunks\\), (\\d+) dirty").matcher(md.out());
                assertTrue(m.find(), md.out());
                assertEquals(CHUNKS, Long.parseLong(m.group(1)));
                assertEquals(dirty, Long.parseLong(m.group(2)), md.out());

                ByteBuffer back = ByteBuffer.allocate(4096);
                store.readPage(1, back);
                assertEquals(image.slice(4096, 4096), back.flip());
            }
            assertArrayEquals(image.array(), Files.readAllBytes(file), "buffered read after a clean stop");
            Host.Run lsattr = Host.run("lsattr", file.toString());
            assertFalse(lsattr.out().split(" ")[0].contains("i"), "immutable cleared: " + lsattr.out());
        }
    }

    /** ext4 with 1 KiB blocks and interleaved appends: every 4 KiB page spans several extents. */
    @Test
    void fragmentedFileWithPagesSpanningExtents() throws Exception {
        try (LoopFs fs = LoopFs.ext4(dir, "frag", 64L << 20, 1024)) {
            byte[] uuid = uuid(2);
            Path model = dir.resolve("model.bitmap");
            BitmapFileWriter.create(model, uuid, SYNC_SECTORS, CHUNK, 5, true, false);
            byte[] bytes = Files.readAllBytes(model);
            Path file = fs.file("md0.bitmap");
            try (FileChannel a = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    FileChannel b = FileChannel.open(fs.file("other"), StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE)) {
                for (int off = 0; off < bytes.length; off += 1024) {
                    a.write(ByteBuffer.wrap(bytes, off, 1024));
                    a.force(true);
                    b.write(ByteBuffer.wrap(bytes, off, 1024));
                    b.force(true);
                }
            }
            Path conf = dir.resolve("bitmirror.conf");
            ArrayRecord rec = ExternalBitmap.register(file, uuid, conf);
            assertTrue(rec.extents().extents().size() >= 8, "fragmented: " + rec.extents());
            assertTrue(rec.extents().sameAs(Filefrag.of(file)), rec.extents() + " vs " + Filefrag.of(file));
            assertTrue(ExtentResolver.resolveWithFibmap(file).sameAs(rec.extents()), "FIBMAP agrees with FIEMAP");

            ByteBuffer image = ByteBuffer.wrap(bytes.clone()).order(ByteOrder.LITTLE_ENDIAN);
            for (long c = 0; c < CHUNKS; c += 3) {
                BitmapBits.clear(image, 256, c);
            }
            try (ExternalBitmapStore store = ExternalBitmap.open(file, uuid, List.of(), conf, false).store()) {
                PendingWrites pending = new PendingWrites();
                for (int p = 0; p * 4096 < bytes.length; p++) {
                    store.writePage(p, image.slice(p * 4096, 4096), 4096, pending);
                }
                assertTrue(pending.awaitZero(TimeUnit.SECONDS.toNanos(10)));
                store.flush();
                assertEquals(image.rewind(), ExternalBitmap.readDirect(file, bytes.length));
            }
            assertArrayEquals(image.array(), Files.readAllBytes(file));
            assertArrayEquals(bytes, Files.readAllBytes(fs.file("other")), "the interleaved file is untouched");
        }
    }

    @Test
    void truncatingOrWritingFromAnotherProcessFailsWhileOpen() throws Exception {
        try (LoopFs fs = LoopFs.ext4(dir, "prot", 64L << 20, 4096)) {
            byte[] uuid = uuid(3);
            Path file = fs.file("md0.bitmap");
            Path conf = dir.resolve("bitmirror.conf");
            BitmapFileWriter.create(file, uuid, SYNC_SECTORS, CHUNK, 5, true, false);
            ExternalBitmap.register(file, uuid, conf);
            byte[] before = Files.readAllBytes(file);
            try (ExternalBitmapStore store = ExternalBitmap.open(file, uuid, List.of(), conf, false).store()) {
                assertTrue(store.immutable());
                Host.Run t = Host.run("truncate", "-s", "0", file.toString());
                assertNotEquals(0, t.rc(), "truncate must fail");
                assertTrue(t.err().contains("Operation not permitted"), t.err());
                Host.Run w = Host.run("sh", "-c", "echo x >> " + file);
                assertNotEquals(0, w.rc(), "append must fail");
                Host.Run dd = Host.run("dd", "if=/dev/zero", "of=" + file, "bs=4096", "count=1", "conv=notrunc");
                assertNotEquals(0, dd.rc(), "overwrite must fail");
                Host.Run rm = Host.run("rm", "-f", file.toString());
                assertNotEquals(0, rm.rc(), "unlink must fail");
                assertArrayEquals(before, toArray(ExternalBitmap.readDirect(file, before.length)));
                assertEquals(before.length, Files.size(file));
                BitmapFileException again = assertThrows(BitmapFileException.class,
                        () -> ExternalBitmap.open(file, uuid, List.of(), conf, false));
                assertTrue(again.getMessage().contains("in use by another process"), again.getMessage());
            }
            assertEquals(0, Host.run("truncate", "-s", Long.toString(before.length), file.toString()).rc(),
                    "writable again after stop");
        }
    }

    @Test
    void changedExtentsAreRefusedUnlessRebuilt() throws Exception {
        try (LoopFs fs = LoopFs.ext4(dir, "moved", 64L << 20, 4096)) {
            byte[] uuid = uuid(4);
            Path file = fs.file("md0.bitmap");
            Path conf = dir.resolve("bitmirror.conf");
            BitmapFileWriter.create(file, uuid, SYNC_SECTORS, CHUNK, 5, true, false);
            ArrayRecord first = ExternalBitmap.register(file, uuid, conf);
            // Replace the file: same path and bytes, new inode and blocks.
            Path copy = fs.file("copy");
            Files.copy(file, copy);
            Files.writeString(fs.file("filler"), "x".repeat(100_000));
            Files.delete(file);
            Files.move(copy, file);
            BitmapFileException e = assertThrows(BitmapFileException.class,
                    () -> ExternalBitmap.open(file, uuid, List.of(), conf, false));
            assertTrue(e.getMessage().startsWith("bitmap file " + file + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("inode is now") || e.getMessage().contains("extents changed"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("rebuild"), e.getMessage());
            assertEquals("", Host.run("lsattr", file.toString()).out().split(" ")[0].replace("-", "")
                    .replace("e", ""), "a refused open leaves no immutable flag behind");

            ExternalBitmap.OpenResult rebuilt = ExternalBitmap.open(file, uuid, List.of(), conf, true);
            rebuilt.store().close();
            assertTrue(rebuilt.rebuilt());
            ExtentMap now = ExtentResolver.resolve(file);
            ArrayRecord rec = new io.bitmirror.bitmapfile.config.BitmapRegistry(conf).find(uuid).orElseThrow();
            assertTrue(rec.extents().sameAs(now));
            assertNotEquals(first.inode(), rec.inode());
            ExternalBitmap.open(file, uuid, List.of(), conf, false).store().close();
        }
    }

    static byte[] toArray(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @Test
    void bitmapGeometryOfTheTestFile() {
        assertEquals(4, BitmapGeometry.pages(CHUNKS));
    }
}
