package io.bitmirror.bitmap.bench;

import io.bitmirror.bitmap.engine.BitmapEngineOptions;
import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.bitmap.store.InMemoryBitmapStore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * startWrite + endWrite with an in-memory store (two copies):
 * <ul>
 * <li>{@code dirtyChunk}: the chunk's bit is already set and durable (the fast path: one CAS
 * each way, no lock, no flush wait). Each thread has its own chunk.</li>
 * <li>{@code cleanChunk}: every operation hits a chunk that is clean, so it sets the bit and waits
 * for the flusher to write and flush the page (group commit across threads). Every iteration
 * starts with a fully clean bitmap; each thread walks its own range of chunks.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WriteIntentBench {
    static final long CHUNKS = 1L << 24;
    static final int MAX_THREADS = 4;
    static final byte[] UUID = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    @State(Scope.Benchmark)
    public static class Engine {
        InMemoryBitmapStore store;
        WriteIntentBitmap bm;
        final AtomicInteger nextThread = new AtomicInteger();

        @Setup(Level.Trial)
        public void open() throws Exception {
            store = InMemoryBitmapStore.forChunks(CHUNKS, 2);
            WriteIntentBitmap.format(store, UUID, CHUNKS * 128, 65536, 5, 0, 1, false);
            bm = WriteIntentBitmap.load(store, UUID, 1, false,
                    BitmapEngineOptions.defaults().startDaemon(false));
        }

        /** Not measured: clear everything so that cleanChunk finds clean chunks again. */
        @Setup(Level.Iteration)
        public void clearAll() {
            for (int i = 0; i < 3; i++) {
                bm.membersFlushed(bm.flushTicket());
                bm.daemonTick();
            }
            bm.flushNow();
        }

        @TearDown(Level.Trial)
        public void close() {
            bm.close();
        }
    }

    @State(Scope.Thread)
    public static class Writer {
        long dirty;
        long base;
        long cursor;
        long span;

        @Setup(Level.Trial)
        public void pick(Engine e) {
            int t = e.nextThread.getAndIncrement() % MAX_THREADS;
            span = CHUNKS / MAX_THREADS;
            base = t * span;
            // Own chunk, far from the others' counters and group epochs (no false sharing).
            dirty = base;
        }

        @Setup(Level.Iteration)
        public void reset(Engine e) {
            cursor = 1;
            e.bm.startWrite(dirty, dirty);
            e.bm.endWrite(dirty, dirty, true);
        }
    }

    @Benchmark
    public void dirtyChunk(Engine e, Writer w) {
        e.bm.startWrite(w.dirty, w.dirty);
        e.bm.endWrite(w.dirty, w.dirty, true);
    }

    @Benchmark
    public void cleanChunk(Engine e, Writer w) {
        long c = w.base + w.cursor;
        // Wrapping would turn later operations into dirty-chunk ones; the span (4,194,304 chunks
        // per thread) is far more than one 2 s iteration can use at tens of microseconds each.
        w.cursor = w.cursor + 1 < w.span ? w.cursor + 1 : 1;
        e.bm.startWrite(c, c);
        e.bm.endWrite(c, c, true);
    }
}
