package io.bitmirror.bitmap.engine;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.bitmap.store.InMemoryBitmapStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Example-based tests of the engine's API, one behaviour each. */
class WriteIntentBitmapTest {
    static final byte[] UUID = new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    static final BitmapEngineOptions MANUAL = BitmapEngineOptions.defaults().startDaemon(false).mutant(Mutant.NONE);

    /** A store and a clean bitmap of {@code chunks} chunks of 64 KiB. */
    static InMemoryBitmapStore newStore(long chunks, int copies, boolean allDirty) throws Exception {
        InMemoryBitmapStore store = InMemoryBitmapStore.forChunks(chunks, copies);
        WriteIntentBitmap.format(store, UUID, chunks * 128, 65536, 5, 0, 10, allDirty);
        return store;
    }

    static BitmapSuperblock durableSb(InMemoryBitmapStore store) {
        return new BitmapSuperblock().wrap(ByteBuffer.wrap(store.durableImage(0)).order(ByteOrder.LITTLE_ENDIAN), 0);
    }

    @Test
    void startWriteMakesTheBitDurableInEveryCopyBeforeReturning() throws Exception {
        InMemoryBitmapStore store = newStore(100, 2, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            assertFalse(store.durableBit(0, 42));
            bm.startWrite(42, 43);
            assertTrue(store.durableInEveryCopy(42));
            assertTrue(store.durableInEveryCopy(43));
            assertEquals(2 + 1, ChunkCounters.count(bm.counter(42)));
            bm.endWrite(42, 43, true);
            assertEquals(2, bm.counter(42));
            assertEquals(2, bm.dirtyChunks());
        }
    }

    @Test
    void alreadyDirtyChunkNeedsNoPageWrite() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            bm.startWrite(7, 7);
            bm.endWrite(7, 7, true);
            long writes = bm.pageWrites();
            for (int i = 0; i < 1000; i++) {
                bm.startWrite(7, 7);
                bm.endWrite(7, 7, true);
            }
            assertEquals(writes, bm.pageWrites());
        }
    }

    @Test
    void bitIsClearedOnlyAfterTwoPassesAndAMemberFlushAfterTheLastWrite() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            bm.startWrite(5, 5);
            bm.endWrite(5, 5, true);
            bm.daemonTick(); // 2 -> 1
            bm.daemonTick(); // no flush since: stays
            bm.flushNow();
            assertTrue(store.durableBit(0, 5));
            assertEquals(1, bm.counter(5));
            bm.membersFlushed(bm.flushTicket());
            bm.daemonTick();
            bm.flushNow();
            assertFalse(store.durableBit(0, 5));
            assertEquals(0, bm.counter(5));
            assertEquals(bm.events(), durableSb(store).eventsCleared());
        }
    }

    @Test
    void writeBetweenThePassesKeepsTheBit() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            bm.startWrite(5, 5);
            bm.endWrite(5, 5, true);
            bm.daemonTick();
            bm.startWrite(5, 5);
            bm.membersFlushed(bm.flushTicket());
            bm.daemonTick();
            bm.flushNow();
            assertTrue(store.durableBit(0, 5));
            bm.endWrite(5, 5, true);
        }
    }

    @Test
    void degradedKeepsBitsAndMarksWritesNeeded() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            bm.setDegraded(true);
            bm.startWrite(3, 3);
            bm.endWrite(3, 3, true);
            for (int i = 0; i < 3; i++) {
                bm.membersFlushed(bm.flushTicket());
                bm.daemonTick();
            }
            bm.flushNow();
            assertTrue(store.durableBit(0, 3));
            assertNotEquals(0, bm.counter(3) & ChunkCounters.NEEDED);
            assertTrue(bm.startSync(3), "degraded: still needed");
            bm.setDegraded(false);
            assertTrue(bm.startSync(3));
            assertNotEquals(0, bm.counter(3) & ChunkCounters.RESYNC);
            bm.endSync(3);
            for (int i = 0; i < 3; i++) {
                bm.membersFlushed(bm.flushTicket());
                bm.daemonTick();
            }
            bm.flushNow();
            assertFalse(store.durableBit(0, 3));
        }
    }

    @Test
    void failedWriteLeavesChunkNeededAndAbortedSyncRestoresIt() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            bm.startWrite(9, 9);
            bm.endWrite(9, 9, false);
            assertEquals(2 | ChunkCounters.NEEDED, bm.counter(9));
            assertTrue(bm.startSync(9));
            assertEquals(2 | ChunkCounters.RESYNC, bm.counter(9));
            bm.closeSync();
            assertEquals(2 | ChunkCounters.NEEDED, bm.counter(9));
            assertFalse(bm.startSync(10));
        }
    }

    @Test
    void loadOfUncleanArrayMakesSetBitsNeeded() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            bm.startWrite(11, 11);
        }
        store.crash();
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, true, MANUAL)) {
            assertNull(bm.loadReason());
            assertEquals(2 | ChunkCounters.NEEDED, bm.counter(11));
            assertEquals(0, bm.counter(12));
            assertTrue(bm.startSync(11));
            assertFalse(bm.startSync(12));
        }
    }

    @Test
    void olderOrStaleBitmapMeansEveryChunkDirty() throws Exception {
        InMemoryBitmapStore store = newStore(50_000, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 11, false, MANUAL)) {
            assertTrue(bm.loadReason().contains("older"), bm.loadReason());
            assertEquals(50_000, bm.dirtyChunks());
            assertTrue(store.durableBit(0, 49_999));
            assertFalse(durableSb(store).isStale(), "stale flag cleared once all bits were durable");
        }
    }

    @Test
    void uuidMismatchIsRefused() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        byte[] other = UUID.clone();
        other[0] = 9;
        MdFormatException e = assertThrows(MdFormatException.class,
                () -> WriteIntentBitmap.load(store, other, 10, false, MANUAL));
        assertEquals("bitmap uuid", e.field());
    }

    @Test
    void eventsAreWrittenWhenAsked() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            bm.setEvents(12);
            assertTrue(bm.writeSuperblockNow());
            assertEquals(12, durableSb(store).events());
        }
    }

    @Test
    void writeErrorMarksStaleStopsClearingAndReleasesWriters() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            bm.startWrite(1, 1);
            bm.endWrite(1, 1, true);
            store.failNextWrites(1);
            bm.startWrite(2, 2); // released even though its page write failed
            assertTrue(bm.writeError());
            assertTrue(bm.flushNow() == false);
            assertTrue(durableSb(store).isStale(), "stale flag written once the store took writes again");
            assertTrue(store.durableBit(0, 2), "the failed page was written again");
            bm.endWrite(2, 2, true);
            for (int i = 0; i < 3; i++) {
                bm.membersFlushed(bm.flushTicket());
                bm.daemonTick();
            }
            bm.flushNow();
            assertTrue(store.durableBit(0, 1));
            assertTrue(store.durableBit(0, 2));
        }
    }

    @Test
    void lastPageMayBePartial() throws Exception {
        long chunks = (4096 - 256) * 8 + 100; // one full page and 13 bytes of a second
        InMemoryBitmapStore store = newStore(chunks, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            assertEquals(2, bm.pages());
            bm.startWrite(chunks - 1, chunks - 1);
            assertTrue(store.durableBit(0, chunks - 1));
            bm.endWrite(chunks - 1, chunks - 1, true);
        }
    }

    @Test
    void saturatedCounterMakesTheWriterWaitInsteadOfWrapping() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            int max = ChunkCounters.COUNTER_MAX - 2; // 2 + in-flight writes = COUNTER_MAX
            for (int i = 0; i < max; i++) {
                bm.startWrite(4, 4);
            }
            assertEquals(ChunkCounters.COUNTER_MAX, ChunkCounters.count(bm.counter(4)));
            Thread extra = new Thread(() -> bm.startWrite(4, 4));
            extra.start();
            extra.join(100);
            assertTrue(extra.isAlive(), "the writer past COUNTER_MAX must wait");
            assertEquals(ChunkCounters.COUNTER_MAX, ChunkCounters.count(bm.counter(4)), "never wraps");
            bm.endWrite(4, 4, true);
            extra.join(5_000);
            assertFalse(extra.isAlive());
            assertEquals(ChunkCounters.COUNTER_MAX, ChunkCounters.count(bm.counter(4)));
            for (int i = 0; i < max; i++) {
                bm.endWrite(4, 4, true);
            }
            assertEquals(2, bm.counter(4));
        }
    }

    @Test
    void endWriteWithoutStartWriteIsABug() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, MANUAL)) {
            assertThrows(IllegalStateException.class, () -> bm.endWrite(1, 1, true));
            assertThrows(IndexOutOfBoundsException.class, () -> bm.startWrite(0, 100));
        }
    }

    @Test
    void backgroundDaemonClearsIdleChunks() throws Exception {
        InMemoryBitmapStore store = newStore(100, 1, false);
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false,
                MANUAL.startDaemon(true).daemonSleepMillis(2))) {
            bm.startWrite(6, 6);
            bm.endWrite(6, 6, true);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (bm.dirtyChunks() != 0 && System.nanoTime() < deadline) {
                bm.membersFlushed(bm.flushTicket());
                Thread.sleep(1);
            }
            assertEquals(0, bm.dirtyChunks());
        }
        assertFalse(store.durableBit(0, 6), "close() writes what is dirty");
    }

    @Test
    void readOnlyBitmapIsLoadedButNeverWrittenEvenWhenOutdated() throws Exception {
        InMemoryBitmapStore store = newStore(50_000, 2, false);
        long before = store.pageWrites();
        byte[] image = store.durableImage(0);
        // Array events 11 > the bitmap's 10: a read-write load would rewrite every page all dirty.
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 11, true,
                BitmapEngineOptions.defaults().readOnly(true))) {
            assertTrue(bm.readOnly());
            assertNull(bm.daemonThread().isAlive() ? "daemon running" : null, "no daemon: nothing is cleared");
            assertTrue(bm.loadReason().contains("older"), bm.loadReason());
            assertEquals(50_000, bm.dirtyChunks(), "all dirty in memory");
            assertThrows(IllegalStateException.class, () -> bm.startWrite(1, 1));
            assertThrows(IllegalStateException.class, () -> bm.setEvents(12));
            assertThrows(IllegalStateException.class, bm::writeSuperblockNow);
            assertThrows(IllegalStateException.class, bm::daemonTick);
            assertThrows(IllegalStateException.class, bm::rewriteAllPages);
            assertTrue(bm.flushNow());
        }
        assertEquals(before, store.pageWrites(), "no page write, not even at close");
        assertArrayEquals(image, store.durableImage(0));
        assertFalse(store.durableBit(0, 49_999));
    }
}
