package io.bitmirror.bitmap.engine;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.BitmapGeometry;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Many writer threads, the flusher and a daemon (passes that flush the members themselves through
 * the engine's {@link MemberFlush}, as in an array) at once, on a store that completes page writes
 * late on another thread. Checks: no writer is released before its bits are durable in every copy
 * (W1), no bit with a write in flight is ever cleared on disk (no lost mark), no page changes while
 * being written (W6), everything finishes in bounded time (no deadlock), and once idle two passes
 * leave no bit on disk (L1). The W6 mutant (live pages handed to the store) must be caught here.
 * {@code -Dseed=N} replays.
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
            run(seed, Mutant.NONE);
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + " (replay with -Dseed=" + seed + "): " + e.getMessage(), e);
        }
    }

    /** W6 broken: the store is handed the live image, which writers change while it is written. */
    @Test
    void w6MutantIsCaught() throws Exception {
        String found = null;
        for (long seed = 1; seed <= 5 && found == null; seed++) {
            found = run(seed, Mutant.W6);
        }
        assertNotNull(found, "W6 mutant: no page changed while being written in 5 runs");
        assertTrue(found.startsWith("W6: page "), found);
        System.out.println("concurrency mutant W6: " + found);
    }

    /**
     * One run; with the real engine every check is asserted, with a mutant the store's W6
     * finding is returned (null when none) instead.
     */
    String run(long seed, Mutant mutant) throws Exception {
        CheckingStore store = new CheckingStore(BitmapGeometry.roundedBytes(CHUNKS, 4096), 2, true, seed);
        WriteIntentBitmap.format(store, BitmapModelTest.UUID, CHUNKS * 128, 65536, 5, 0, 10, false);
        WriteIntentBitmap bm = WriteIntentBitmap.load(store, BitmapModelTest.UUID, 10, false,
                BitmapEngineOptions.defaults().startDaemon(false).waiterSlots(4).mutant(mutant));
        // The daemon flushes "the members" itself (a short park stands for their fdatasync).
        bm.memberFlush(() -> {
            long t = bm.flushTicket();
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            bm.membersFlushed(t);
        });
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
                bm.daemonTick();
                java.util.concurrent.locks.LockSupport.parkNanos(50_000);
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
        if (mutant != Mutant.NONE) {
            String w6 = store.w6Violation;
            bm.close();
            store.close();
            return w6;
        }
        assertNull(violation.get());
        assertNull(store.w6Violation);
        // L1: everything idle now; two passes, which flush the members themselves, clear every
        // bit on disk (nothing failed). Counted in the durable images, not in memory.
        long flushesBefore = bm.daemonMemberFlushes();
        bm.daemonTick();
        bm.daemonTick();
        bm.flushNow();
        assertTrue(bm.daemonMemberFlushes() > flushesBefore, "the daemon flushed the members itself");
        for (int copy = 0; copy < store.copies(); copy++) {
            long dirty = io.bitmirror.bitmap.format.BitmapBits.countDirty(
                    java.nio.ByteBuffer.wrap(store.durableImage(copy)), 256, CHUNKS);
            assertEquals(0, dirty, "L1: bits left on disk in copy " + copy + " two passes after going idle");
        }
        long pageWrites = bm.pageWrites();
        long epochs = bm.flushEpochs();
        System.out.printf("concurrency: %d writers x %d ops in %d ms, %d flush epochs, %d page writes%n", WRITERS,
                OPS, (System.nanoTime() - start) / 1_000_000, epochs, pageWrites);
        bm.close();
        store.close();
        return null;
    }
}
