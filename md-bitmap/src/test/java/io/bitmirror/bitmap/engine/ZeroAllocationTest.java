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
 */
class ZeroAllocationTest {
    static final int WARMUP = Integer.getInteger("alloc.warmup", 1_000_000);
    static final int PAIRS = Integer.getInteger("alloc.pairs", 1_000_000);
    static final long CHUNKS = 40_000;

    private volatile int phase;
    private volatile boolean go;
    private volatile long slowPaths;

    @Test
    void writePathFlusherAndDaemonAllocateNothing() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported());
        mx.setThreadAllocatedMemoryEnabled(true);
        InMemoryBitmapStore store = InMemoryBitmapStore.forChunks(CHUNKS, 2);
        WriteIntentBitmap.format(store, WriteIntentBitmapTest.UUID, CHUNKS * 128, 65536, 5, 0, 10, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, WriteIntentBitmapTest.UUID, 10, false,
                BitmapEngineOptions.defaults().daemonSleepMillis(1).mutant(Mutant.NONE))) {
            Thread writer = new Thread(() -> {
                loop(bm, WARMUP);
                phase = 1;
                while (!go) {
                    LockSupport.parkNanos(100_000);
                }
                loop(bm, PAIRS);
                phase = 2;
                while (go) {
                    LockSupport.parkNanos(100_000);
                }
            }, "alloc-writer");
            writer.start();
            while (phase != 1) {
                Thread.sleep(1);
            }
            long[] ids = {writer.getId(), bm.flusherThread().getId(), bm.daemonThread().getId()};
            long[] before = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                before[i] = mx.getThreadAllocatedBytes(ids[i]);
            }
            long epochs0 = bm.flushEpochs();
            long passes0 = bm.daemonPasses();
            long cleared0 = bm.clearedChunks();
            go = true;
            while (phase != 2) {
                Thread.sleep(1);
            }
            long[] after = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                after[i] = mx.getThreadAllocatedBytes(ids[i]);
            }
            go = false;
            writer.join();
            String[] names = {"writer", "flusher", "daemon"};
            StringBuilder report = new StringBuilder();
            for (int i = 0; i < ids.length; i++) {
                report.append(names[i]).append('=').append(after[i] - before[i]).append(" B ");
            }
            report.append("| flush epochs=").append(bm.flushEpochs() - epochs0).append(" daemon passes=")
                    .append(bm.daemonPasses() - passes0).append(" cleared=").append(bm.clearedChunks() - cleared0)
                    .append(" slow paths=").append(slowPaths);
            System.out.println("zero-allocation: " + PAIRS + " pairs: " + report);
            assertTrue(bm.flushEpochs() - epochs0 > 100, "the flusher must have worked: " + report);
            assertTrue(bm.clearedChunks() - cleared0 > 100, "the daemon must have cleared: " + report);
            for (int i = 0; i < ids.length; i++) {
                assertEquals(0, after[i] - before[i], names[i] + " allocated: " + report);
            }
        }
    }

    /** startWrite/endWrite pairs; every 64th on a cold chunk that has most likely been cleared. */
    private void loop(WriteIntentBitmap bm, int pairs) {
        long cold = 100;
        long slow = 0;
        for (int i = 0; i < pairs; i++) {
            long c;
            if ((i & 63) == 0) {
                cold = cold + 1 < CHUNKS ? cold + 1 : 100;
                c = cold;
                if (ChunkCounters.count(bm.counter(c)) < 2) {
                    slow++;
                }
                // What the array does every so often: flush every member, then tell the bitmap.
                bm.membersFlushed(bm.flushTicket());
            } else {
                c = i & 7;
            }
            bm.startWrite(c, c);
            bm.endWrite(c, c, true);
        }
        slowPaths = slow;
    }
}
