package io.bitmirror.bitmap.engine;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.ChangeBitmapHeader;
import io.bitmirror.bitmap.format.ChangeBitmapLayout;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.bitmap.store.InMemoryBitmapStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Changed-block tracking in the engine: durable before the data write, persistent, cleared only on request. */
class ChangeBitmapTest {
    static final byte[] UUID = WriteIntentBitmapTest.UUID;
    static final long CHUNKS = 100;

    @TempDir
    Path dir;

    private static BitmapEngineOptions options(Mutant m) {
        return BitmapEngineOptions.defaults().startDaemon(false).mutant(m);
    }

    /** What is on disk for chunk {@code c}: read from the file, not the engine's memory. */
    private static boolean onDisk(Path file, long c) throws Exception {
        byte[] b = Files.readAllBytes(file);
        return (b[ChangeBitmapLayout.LENGTH + (int) (c >>> 3)] & (1 << (c & 7))) != 0;
    }

    private static long setOnDisk(Path file) throws Exception {
        byte[] b = Files.readAllBytes(file);
        long n = 0;
        for (long c = 0; c < CHUNKS; c++) {
            n += (b[ChangeBitmapLayout.LENGTH + (int) (c >>> 3)] >> (c & 7)) & 1;
        }
        return n;
    }

    @Test
    void bitIsOnDiskWhenStartWriteReturnsAndStaysUntilCleared() throws Exception {
        InMemoryBitmapStore store = WriteIntentBitmapTest.newStore(CHUNKS, 2, false);
        Path f = dir.resolve("b1.cbt");
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, options(Mutant.NONE))) {
            bm.attachTracker(ChangeBitmap.create(f, "b1", UUID, 65536, CHUNKS));
            assertEquals(0, setOnDisk(f));
            bm.startWrite(5, 6);
            assertTrue(onDisk(f, 5) && onDisk(f, 6), "tracking bits durable before the data write");
            bm.endWrite(5, 6, true);
            bm.daemonTick();
            bm.membersFlushed(bm.flushTicket());
            bm.daemonTick();
            bm.flushNow();
            assertEquals(0, bm.dirtyChunks(), "the write-intent bits were cleared");
            assertEquals(2, setOnDisk(f), "the daemon never clears tracking bits");
            assertEquals(2, bm.tracker("b1").dirtyChunks());
            assertTrue(bm.clearChanges("b1"));
            assertEquals(0, setOnDisk(f));
            assertEquals(0, bm.tracker("b1").dirtyChunks());
        }
    }

    @Test
    void reopenedAfterCloseOrCrashKeepsTheBits() throws Exception {
        InMemoryBitmapStore store = WriteIntentBitmapTest.newStore(CHUNKS, 1, false);
        Path f = dir.resolve("b1.cbt");
        WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, options(Mutant.NONE));
        bm.attachTracker(ChangeBitmap.create(f, "b1", UUID, 65536, CHUNKS));
        bm.startWrite(40, 40);
        // No endWrite, no close: what a kill -9 leaves is the file as the flusher synced it.
        ChangeBitmap again = ChangeBitmap.open(f, UUID, 65536, CHUNKS);
        assertTrue(again.test(40));
        assertEquals(1, again.dirtyChunks());
        assertEquals("b1", again.name());
        again.closeFile();
        bm.endWrite(40, 40, true);
        bm.close();
        ChangeBitmap after = ChangeBitmap.open(f, UUID, 65536, CHUNKS);
        assertEquals(1, after.dirtyChunks());
        after.closeFile();
    }

    @Test
    void writeInFlightDuringClearStaysMarked() throws Exception {
        InMemoryBitmapStore store = WriteIntentBitmapTest.newStore(CHUNKS, 1, false);
        Path f = dir.resolve("b1.cbt");
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, options(Mutant.NONE))) {
            bm.attachTracker(ChangeBitmap.create(f, "b1", UUID, 65536, CHUNKS));
            bm.startWrite(7, 7);
            bm.startWrite(9, 9);
            bm.endWrite(9, 9, true);
            bm.clearChanges("b1");
            assertTrue(onDisk(f, 7), "a write still in flight may land after the backup read the chunk");
            assertFalse(onDisk(f, 9));
            bm.endWrite(7, 7, true);
        }
    }

    @Test
    void stopTrackingDetachesAndAWrongFileIsRefused() throws Exception {
        InMemoryBitmapStore store = WriteIntentBitmapTest.newStore(CHUNKS, 1, false);
        Path f = dir.resolve("b1.cbt");
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, options(Mutant.NONE))) {
            bm.attachTracker(ChangeBitmap.create(f, "b1", UUID, 65536, CHUNKS));
            assertThrows(IllegalArgumentException.class,
                    () -> bm.attachTracker(ChangeBitmap.open(f, UUID, 65536, CHUNKS)));
            ChangeBitmap gone = bm.detachTracker("b1");
            gone.closeFile();
            bm.startWrite(3, 3);
            bm.endWrite(3, 3, true);
            assertFalse(onDisk(f, 3), "detached: no longer written");
            assertNull(bm.tracker("b1"));
        }
        byte[] other = UUID.clone();
        other[0] = 99;
        MdFormatException e = assertThrows(MdFormatException.class, () -> ChangeBitmap.open(f, other, 65536, CHUNKS));
        assertTrue(e.getMessage().contains("another array"), e.getMessage());
        assertThrows(MdFormatException.class, () -> ChangeBitmap.open(f, UUID, 65536, CHUNKS + 1));
    }

    @Test
    void headerFlyweightRoundTrips() {
        ByteBuffer b = ByteBuffer.allocate(ChangeBitmapLayout.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        ChangeBitmapHeader h = new ChangeBitmapHeader().wrap(b, 0).init(UUID, 1 << 20, 12345, "nightly-1");
        assertEquals(0x31544243, b.getInt(0));
        assertEquals('C', b.get(0));
        assertEquals(1 << 20, h.chunkBytes());
        assertEquals(12345, h.chunks());
        assertEquals("nightly-1", h.name());
        h.validate(UUID, 1 << 20, 12345);
    }

    /**
     * The rule checked directly, and its mutant: a write to a chunk whose write-intent bit is
     * already durable but whose tracking bit was just cleared must find the tracking bit on disk
     * when startWrite returns. Under {@link Mutant#CBT} the writer does not wait, and in 50 tries
     * the bit is missing at least once (the file sync takes far longer than reading the file).
     */
    @Test
    void mutantThatDoesNotWaitForTheTrackingBitIsCaught() throws Exception {
        assertEquals(0, missesOutOf50(Mutant.NONE));
        assertTrue(missesOutOf50(Mutant.CBT) > 0, "the CBT mutant went unnoticed");
    }

    private int missesOutOf50(Mutant m) throws Exception {
        InMemoryBitmapStore store = WriteIntentBitmapTest.newStore(CHUNKS, 1, false);
        Path f = dir.resolve("m-" + m + ".cbt");
        int misses = 0;
        try (WriteIntentBitmap bm = WriteIntentBitmap.load(store, UUID, 10, false, options(m))) {
            bm.attachTracker(ChangeBitmap.create(f, "m", UUID, 65536, CHUNKS));
            bm.startWrite(11, 11);
            bm.endWrite(11, 11, true);
            for (int i = 0; i < 50; i++) {
                bm.clearChanges("m");
                bm.startWrite(11, 11);
                if (!onDisk(f, 11)) {
                    misses++;
                }
                bm.endWrite(11, 11, true);
            }
        }
        return misses;
    }
}
