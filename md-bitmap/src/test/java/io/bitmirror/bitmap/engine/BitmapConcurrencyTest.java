package io.bitmirror.bitmap.engine;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.BitmapGeometry;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Many writer threads, the flusher and a daemon (member flushes plus passes) at once, on a store
 * that completes page writes late on another thread. Checks: no writer is released before its
 * bits are durable in every copy (W1), no bit with a write in flight is ever cleared on disk (no
 * lost mark), no page changes while being written (W6), and everything finishes in bounded time
 * (no deadlock). {@code -Dseed=N} replays.
 */
class BitmapConcurrencyTest {
    static final int WRITERS = 8;
    static final int OPS = 2_500;
    static final long CHUNKS = 40_000;

    @Test
    void writersFlusherAndDaemonTogether() throws Exception {
        String s = System.getProperty("seed", "").trim();
        long seed = s.isEmpty() ? System.nanoTime() : Long.parseLong(s);
        try {
            run(seed);
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + " (replay with -Dseed=" + seed + "): " + e.getMessage(), e);
        }
    }

    void run(long seed) throws Exception {
        CheckingStore store = new CheckingStore(BitmapGeometry.roundedBytes(CHUNKS, 4096), 2, true, seed);
        WriteIntentBitmap.format(store, BitmapModelTest.UUID, CHUNKS * 128, 65536, 5, 0, 10, false);
        WriteIntentBitmap bm = WriteIntentBitmap.load(store, BitmapModelTest.UUID, 10, false,
                BitmapEngineOptions.defaults().startDaemon(false).waiterSlots(4));
        AtomicReference<String> violation = new AtomicReference<>();
        AtomicLong done = new AtomicLong();
        SplittableRandom root = new SplittableRandom(seed);
        Thread[] writers = new Thread[WRITERS];
        for (int w = 0; w < WRITERS; w++) {
            SplittableRandom rnd = root.split();
            writers[w] = new Thread(() -> {
                for (int i = 0; i < OPS && violation.get() == null; i++) {
                    // A hot set (shared chunks, already dirty most of the time) and a cold
                    // spread (clean chunks: slow path, a page write each).
                    long f = rnd.nextInt(4) == 0 ? rnd.nextLong(CHUNKS - 3) : rnd.nextLong(16);
                    long l = f + rnd.nextInt(3);
                    bm.startWrite(f, l);
                    for (long c = f; c <= l; c++) {
                        if (!store.durableInEveryCopy(c) && !bm.writeError()) {
                            violation.compareAndSet(null, "W1: writer released before chunk " + c + " was durable");
                        }
                    }
                    if (rnd.nextInt(8) == 0) {
                        Thread.yield();
                    }
                    for (long c = f; c <= l; c++) {
                        if (!store.durableInEveryCopy(c) && !bm.writeError()) {
                            violation.compareAndSet(null, "lost mark: chunk " + c + " cleared with a write in flight");
                        }
                    }
                    bm.endWrite(f, l, true);
                }
                done.incrementAndGet();
            }, "writer-" + w);
        }
        Thread daemon = new Thread(() -> {
            while (done.get() < WRITERS && violation.get() == null) {
                long t = bm.flushTicket();
                java.util.concurrent.locks.LockSupport.parkNanos(100_000); // "fdatasync" of members
                bm.membersFlushed(t);
                bm.daemonTick();
            }
        }, "daemon");
        long start = System.nanoTime();
        for (Thread t : writers) {
            t.start();
        }
        daemon.start();
        long deadline = start + 40_000_000_000L;
        for (Thread t : writers) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (t.isAlive()) {
                fail("deadlock or livelock: " + t.getName() + " still running after 40 s: "
                        + java.util.Arrays.toString(t.getStackTrace()));
            }
        }
        daemon.join(10_000);
        assertFalse(daemon.isAlive(), "daemon thread stuck");
        assertNull(violation.get());
        assertNull(store.w6Violation);
        // Everything idle now: after member flushes and passes every bit can go (nothing failed).
        for (int i = 0; i < 3; i++) {
            bm.membersFlushed(bm.flushTicket());
            bm.daemonTick();
        }
        bm.flushNow();
        assertEquals(0, bm.dirtyChunks(), "idle bitmap should clear completely");
        for (long c = 0; c < 20; c++) {
            assertFalse(store.durableInEveryCopy(c));
        }
        long pageWrites = bm.pageWrites();
        long epochs = bm.flushEpochs();
        System.out.printf("concurrency: %d writers x %d ops in %d ms, %d flush epochs, %d page writes%n", WRITERS,
                OPS, (System.nanoTime() - start) / 1_000_000, epochs, pageWrites);
        bm.close();
        store.close();
    }
}
