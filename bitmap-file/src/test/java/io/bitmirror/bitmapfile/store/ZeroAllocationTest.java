package io.bitmirror.bitmapfile.store;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.store.PendingWrites;
import io.bitmirror.bitmapfile.BitmapFileWriter;
import io.bitmirror.bitmapfile.ExternalBitmap;
import io.bitmirror.bitmapfile.LoopFs;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** W5 for the external bitmap: writePage + awaitZero + flush on a real device allocate 0 bytes. */
class ZeroAllocationTest {
    static final int WARMUP = 15_000;
    static final int MEASURED = 10_000;

    @TempDir
    Path dir;

    @Test
    void pageWritesAllocateNothing() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported());
        mx.setThreadAllocatedMemoryEnabled(true);
        try (LoopFs fs = LoopFs.ext4(dir, "alloc", 64L << 20, 1024)) {
            byte[] uuid = new byte[16];
            uuid[3] = 7;
            Path file = fs.file("md0.bitmap");
            Path conf = dir.resolve("bitmirror.conf");
            BitmapFileWriter.create(file, uuid, 100_000L * 128, 64 << 10, 5, false, false);
            ExternalBitmap.register(file, uuid, conf);
            try (ExternalBitmapStore store = ExternalBitmap.open(file, uuid, List.of(), conf, false).store()) {
                int pages = (int) (store.sizeBytes() / 4096);
                ByteBuffer[] images = new ByteBuffer[pages];
                for (int p = 0; p < pages; p++) {
                    images[p] = ByteBuffer.allocateDirect(4096);
                    store.readPage(p, images[p]);
                }
                PendingWrites pending = new PendingWrites();
                long timeout = TimeUnit.SECONDS.toNanos(10);
                for (int i = 0; i < WARMUP; i++) {
                    cycle(store, images, pending, i, timeout);
                }
                long tid = Thread.currentThread().getId();
                long t0 = System.nanoTime();
                long before = mx.getThreadAllocatedBytes(tid);
                for (int i = 0; i < MEASURED; i++) {
                    cycle(store, images, pending, i, timeout);
                }
                long allocated = mx.getThreadAllocatedBytes(tid) - before;
                long micros = (System.nanoTime() - t0) / 1000 / MEASURED;
                System.err.println("external bitmap: " + MEASURED + " cycles of writePage+awaitZero+flush on "
                        + store.device() + ": " + allocated + " bytes allocated (" + (double) allocated / MEASURED
                        + " per cycle), " + micros + " us per cycle");
                assertEquals(0, allocated, "bytes allocated by " + MEASURED + " page write cycles");
                assertFalse(pending.failed());
            }
            assertTrue(Files.size(file) > 0);
        }
    }

    private static void cycle(ExternalBitmapStore store, ByteBuffer[] images, PendingWrites pending, int i,
            long timeout) throws Exception {
        int page = i % images.length;
        long bit = (i * 31L) % (4096 * 8 - 2048 * 8);
        BitmapBits.set(images[page], 2048, bit);
        store.writePage(page, images[page], 4096, pending);
        if (!pending.awaitZero(timeout)) {
            throw new AssertionError("write failed");
        }
        store.flush();
    }
}
