package io.bitmirror.bitmap.engine;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.store.InMemoryBitmapStore;
import java.lang.management.ManagementFactory;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * W5 for the bitmap: after warm-up, 1,000,000 startWrite/endWrite pairs (mostly on already-dirty
 * chunks, every 64th on a chunk the daemon has cleared meanwhile, so the slow path, the flusher
 * and the daemon all run) allocate 0 bytes on the writer, the flusher and the daemon threads,
 * measured with ThreadMXBean#getThreadAllocatedBytes.
 *
 * <p>Warm-up is 3,000,000 pairs, then up to five settle rounds of 1,000,000 pairs until one
 * allocates nothing; then the measured window, which must allocate exactly 0 bytes. Why settle:
 * while the JIT is still compiling, the JVM itself allocates a few dozen bytes on whichever thread
 * triggers a compilation or links a call site (JFR showed String/byte[] pairs attributed to the
 * first line of InMemoryBitmapStore.flush and PendingWrites.end on the flusher, which matches
 * HotSpot resolving a class's string constants when a C2 compilation of one of its methods is
 * requested). That happens once per class, not per write.
 */
class ZeroAllocationTest {
    static final int WARMUP = 3_000_000;
    static final int SETTLE = 1_000_000;
    static final int PAIRS = 1_000_000;
    static final long CHUNKS = 40_000;

    private volatile int requested;
    private volatile int completed;
    private volatile int pairs;
    private volatile boolean stop;
    private volatile long slowPaths;

    private volatile boolean tracking;

    @Test
    void writePathFlusherAndDaemonAllocateNothing() throws Exception {
        run(null);
    }

    /**
     * The same with a changed-block bitmap attached and cleared every 16,384 pairs, so tracking
     * bits are set on the slow path and written by the flusher in the window too.
     */
    @Test
    void writePathAllocatesNothingWhileTracking(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        run(dir);
    }

    private void run(java.nio.file.Path trackerDir) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported());
        mx.setThreadAllocatedMemoryEnabled(true);
        InMemoryBitmapStore store = InMemoryBitmapStore.forChunks(CHUNKS, 2);
        WriteIntentBitmap.format(store, WriteIntentBitmapTest.UUID, CHUNKS * 128, 65536, 5, 0, 10, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, WriteIntentBitmapTest.UUID, 10, false,
                BitmapEngineOptions.defaults().daemonSleepMillis(1).mutant(Mutant.NONE))) {
            // What the array gives the daemon: it flushes "the members" itself when idle chunks
            // wait (L1). Created once, here; the daemon's calls of it are measured.
            bm.memberFlush(() -> bm.membersFlushed(bm.flushTicket()));
            if (trackerDir != null) {
                bm.attachTracker(ChangeBitmap.create(trackerDir.resolve("z.cbt"), "z", WriteIntentBitmapTest.UUID,
                        65536, CHUNKS));
                tracking = true;
            }
            Thread writer = new Thread(() -> {
                int done = 0;
                while (!stop) {
                    if (requested == done) {
                        LockSupport.parkNanos(100_000);
                        continue;
                    }
                    loop(bm, pairs);
                    completed = ++done;
                }
            }, "alloc-writer");
            writer.start();
            long[] ids = {writer.getId(), bm.flusherThread().getId(), bm.daemonThread().getId()};
            String[] names = {"writer", "flusher", "daemon"};
            round(WARMUP, ids, mx);
            int settle = 0;
            long[] settleBytes;
            do {
                settleBytes = round(SETTLE, ids, mx);
                settle++;
            } while (sum(settleBytes) != 0 && settle < 5);

            long gcs0 = gcCount();
            long epochs0 = bm.flushEpochs();
            long passes0 = bm.daemonPasses();
            long cleared0 = bm.clearedChunks();
            long memberFlushes0 = bm.daemonMemberFlushes();
            long[] bytes = round(PAIRS, ids, mx);
            long gcs = gcCount() - gcs0;
            stop = true;
            writer.join();

            StringBuilder report = new StringBuilder();
            for (int i = 0; i < ids.length; i++) {
                report.append(names[i]).append('=').append(bytes[i]).append(" B ");
            }
            report.append("| settle rounds=").append(settle).append(" flush epochs=")
                    .append(bm.flushEpochs() - epochs0).append(" daemon passes=").append(bm.daemonPasses() - passes0)
                    .append(" cleared=").append(bm.clearedChunks() - cleared0).append(" daemon member flushes=")
                    .append(bm.daemonMemberFlushes() - memberFlushes0).append(" slow paths=")
                    .append(slowPaths).append(" GCs during the window=").append(gcs);
            System.out.println("zero-allocation: " + PAIRS + " pairs: " + report);
            assertTrue(bm.flushEpochs() - epochs0 > 100, "the flusher must have worked: " + report);
            assertTrue(bm.clearedChunks() - cleared0 > 100, "the daemon must have cleared: " + report);
            assertTrue(bm.daemonMemberFlushes() - memberFlushes0 > 10, "the daemon must have flushed the members "
                    + "itself: " + report);
            assertTrue(slowPaths > 100, "writers must have taken the slow path (clean chunks): " + report);
            for (int i = 0; i < ids.length; i++) {
                assertEquals(0, bytes[i], names[i] + " allocated: " + report);
            }
        }
    }

    /** Runs {@code n} pairs on the writer thread; returns the bytes each thread allocated meanwhile. */
    private long[] round(int n, long[] ids, com.sun.management.ThreadMXBean mx) throws InterruptedException {
        long[] before = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            before[i] = mx.getThreadAllocatedBytes(ids[i]);
        }
        pairs = n;
        int target = requested + 1;
        requested = target;
        while (completed != target) {
            Thread.sleep(1);
        }
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = mx.getThreadAllocatedBytes(ids[i]) - before[i];
        }
        return out;
    }

    private static long sum(long[] v) {
        long s = 0;
        for (long x : v) {
            s += x;
        }
        return s;
    }

    private static long gcCount() {
        long n = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    /** startWrite/endWrite pairs; every 64th on a cold chunk that has most likely been cleared. */
    private void loop(WriteIntentBitmap bm, int n) {
        long cold = 100;
        long slow = 0;
        for (int i = 0; i < n; i++) {
            long c;
            if ((i & 63) == 0) {
                cold = cold + 1 < CHUNKS ? cold + 1 : 100;
                c = cold;
                if (ChunkCounters.count(bm.counter(c)) < 2) {
                    slow++;
                }
            } else {
                c = i & 7;
            }
            bm.startWrite(c, c);
            bm.endWrite(c, c, true);
            if (tracking && (i & 16383) == 0) {
                bm.clearChanges("z");
            }
        }
        slowPaths = slow;
    }
}
