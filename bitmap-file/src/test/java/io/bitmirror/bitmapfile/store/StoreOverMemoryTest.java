package io.bitmirror.bitmapfile.store;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;
import io.bitmirror.bitmap.store.PendingWrites;
import io.bitmirror.bitmapfile.BitmapFileException;
import io.bitmirror.bitmapfile.Host;
import io.bitmirror.bitmapfile.extent.Extent;
import io.bitmirror.bitmapfile.extent.ExtentMap;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The store over an in-memory device (the {@link BlockIo} seam): page-to-extent splitting, the
 * pending-write counter under concurrency with an injected failure, and the write-error state.
 */
class StoreOverMemoryTest {
    static final byte[] UUID = new byte[16];

    /** A file of {@code size} bytes cut into random extents (multiples of 512) scattered over the device. */
    static ExtentMap scattered(SplittableRandom r, long size, int deviceBlocks) {
        long blocks = (size + 511) / 512;
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < deviceBlocks; i++) {
            free.add(i);
        }
        Collections.shuffle(free, new java.util.Random(r.nextLong()));
        List<Extent> list = new ArrayList<>();
        long b = 0;
        int next = 0;
        while (b < blocks) {
            int len = (int) Math.min(blocks - b, 1 + r.nextInt(12));
            // a run of len contiguous device blocks starting at a random free slot (slots are len-block apart)
            int phys = free.get(next++) * 16;
            list.add(new Extent(b * 512, (long) phys * 512, (long) len * 512, 0));
            b += len;
        }
        return ExtentMap.of(size, list);
    }

    static ExternalBitmapStore store(ExtentMap map, MemoryBlockIo io) {
        return new ExternalBitmapStore(Path.of("/test/bitmap"), Path.of("/dev/mem0"), map, 512, io, null);
    }

    @TestFactory
    Stream<DynamicTest> pagesLandAtTheirExtentsAndReadBack() {
        long base = Host.seed(42);
        return IntStream.range(0, 20).mapToObj(i -> DynamicTest.dynamicTest("seed " + (base + i), () -> {
            SplittableRandom r = new SplittableRandom(base + i);
            long size = 4096L * (1 + r.nextInt(6)) - (r.nextBoolean() ? 512L * r.nextInt(8) : 0);
            ExtentMap map = scattered(r, size, 64);
            map.validate("test", 512);
            MemoryBlockIo io = new MemoryBlockIo(64 * 16 * 512);
            ExternalBitmapStore store = store(map, io);
            byte[] image = new byte[(int) ((size + 4095) / 4096 * 4096)];
            r.nextBytes(image);
            PendingWrites pending = new PendingWrites();
            for (int p = 0; p * 4096L < size; p++) {
                int len = (int) Math.min(4096, size - p * 4096L);
                store.writePage(p, ByteBuffer.wrap(image, p * 4096, 4096).slice(), len, pending);
            }
            assertTrue(pending.awaitZero(TimeUnit.SECONDS.toNanos(5)));
            for (long off = 0; off < size; off++) {
                assertEquals(image[(int) off], io.disk.get((int) map.deviceOffset(off)), "file byte " + off + " " + map);
            }
            for (int p = 0; p * 4096L < size; p++) {
                ByteBuffer back = ByteBuffer.allocate(4096);
                store.readPage(p, back);
                int len = (int) Math.min(4096, size - p * 4096L);
                assertEquals(len, back.position());
                assertEquals(ByteBuffer.wrap(image, p * 4096, len), back.flip());
            }
        }));
    }

    /**
     * N threads write N pages at once; one device write fails. The waiter must not wake before
     * every write has completed, and then sees the failure; the store is in the write-error state.
     */
    @Test
    void waiterWakesOnlyWhenAllCompletedAndSeesTheError() throws Exception {
        int n = 32;
        ExtentMap map = ExtentMap.of(n * 4096L, List.of(new Extent(0, 1 << 20, n * 4096L, 0)));
        MemoryBlockIo io = new MemoryBlockIo(2 << 20);
        ExternalBitmapStore store = store(map, io);
        ByteBuffer p0 = ByteBuffer.allocate(4096);
        new BitmapSuperblock().wrap(p0, 0).init(UUID, 1 << 20, 64 << 10, 5, 0, 0);
        io.disk.put(1 << 20, p0, 0, 4096);
        store.load(UUID);

        io.gate = new CountDownLatch(1);
        io.failWrite = io.writes.get() + 7;
        PendingWrites pending = new PendingWrites();
        AtomicInteger completed = new AtomicInteger();
        List<Thread> writers = new ArrayList<>();
        CountDownLatch begun = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            int page = i;
            Thread t = new Thread(() -> {
                ByteBuffer src = ByteBuffer.allocate(4096);
                src.put(0, (byte) page);
                begun.countDown();
                store.writePage(page, src, 4096, pending);
                completed.incrementAndGet();
            });
            writers.add(t);
            t.start();
        }
        begun.await();
        while (pending.inFlight() != n) {
            Thread.onSpinWait();
        }
        AtomicBoolean waiterResult = new AtomicBoolean(true);
        AtomicInteger completedWhenWoken = new AtomicInteger(-1);
        Thread waiter = new Thread(() -> {
            waiterResult.set(pending.awaitZero(TimeUnit.SECONDS.toNanos(20)));
            completedWhenWoken.set(io.writes.get());
        });
        waiter.start();
        Thread.sleep(100);
        assertTrue(waiter.isAlive(), "the waiter must not wake while writes are pending");
        assertEquals(n, pending.inFlight());
        io.gate.countDown();
        waiter.join(20_000);
        for (Thread t : writers) {
            t.join(20_000);
        }
        assertFalse(waiter.isAlive());
        assertFalse(waiterResult.get(), "the waiter sees the failure");
        assertTrue(pending.failed());
        assertEquals(0, pending.inFlight());
        assertTrue(completedWhenWoken.get() >= n, "all device writes were issued before the waiter woke");
        assertTrue(store.writeError());
        assertTrue(store.writeErrorMessage().contains("injected write failure"), store.writeErrorMessage());

        // Not lost: later writes fail at once, flush refuses to report durability.
        PendingWrites later = new PendingWrites();
        store.writePage(0, ByteBuffer.allocate(4096), 4096, later);
        assertTrue(later.failed());
        BitmapFileException e = assertThrows(BitmapFileException.class, store::flush);
        assertTrue(e.getMessage().contains("the bitmap is stale"), e.getMessage());

        // Stop marks the on-disk bitmap stale, so the next assemble resyncs everything.
        io.failWrite = -1;
        store.close();
        BitmapSuperblock sb = new BitmapSuperblock().wrap(io.disk, 1 << 20);
        assertEquals(BitmapSuperblockLayout.STATE_STALE, sb.state() & BitmapSuperblockLayout.STATE_STALE);
    }

    @Test
    void writeAfterCloseFailsAndIsCounted() throws Exception {
        ExtentMap map = ExtentMap.of(4096, List.of(new Extent(0, 0, 4096, 0)));
        MemoryBlockIo io = new MemoryBlockIo(8192);
        ExternalBitmapStore store = store(map, io);
        store.close();
        PendingWrites pending = new PendingWrites();
        store.writePage(0, ByteBuffer.allocate(4096), 4096, pending);
        assertEquals(0, pending.inFlight());
        assertTrue(pending.failed());
    }
}
