package io.bitmirror.bitmap.engine;

import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.core.io.SingleThreadedChecked;

/**
 * md's per-chunk counter, 16 bits per chunk, in one flat off-heap table (chronicle-bytes):
 * bits 0-13 count, bit 14 {@link #RESYNC}, bit 15 {@link #NEEDED}.
 *
 * <p>The count follows md: 0 = bit clear; 1 = bit set, pending clear (the daemon saw the chunk
 * idle once); 2 = bit set, idle; 2 + n = bit set, n writes in flight. It saturates at
 * {@link #COUNTER_MAX}: a writer that would pass it waits, the count never wraps.
 *
 * <p>Two counters share one aligned 32-bit word, so every update is a compare-and-swap of that
 * word that changes only its own half; a neighbour's change merely makes the CAS retry.
 */
public final class ChunkCounters implements AutoCloseable {
    /** Largest count (14 bits). */
    public static final int COUNTER_MAX = 0x3fff;
    /** The chunk is being resynced right now (between startSync and endSync). */
    public static final int RESYNC = 0x4000;
    /** The chunk may differ between members and must be resynced before it may be cleared. */
    public static final int NEEDED = 0x8000;

    private final BytesStore<?, Void> table;
    private final long chunks;

    public ChunkCounters(long chunks) {
        this.chunks = chunks;
        long bytes = Math.max(4, ((chunks + 1) >>> 1) << 2);
        this.table = BytesStore.nativeStoreWithFixedCapacity(bytes);
        // The same table is read and CASed by every writer thread, the daemon and the flusher:
        // chronicle's single-owner check does not apply.
        if (table instanceof SingleThreadedChecked) {
            ((SingleThreadedChecked) table).singleThreadedCheckDisabled(true);
        }
        this.table.zeroOut(0, bytes);
    }

    public long chunks() {
        return chunks;
    }

    public static int count(int v) {
        return v & COUNTER_MAX;
    }

    /** The counter of {@code chunk}, read with volatile semantics. */
    public int get(long chunk) {
        int word = table.readVolatileInt(wordOffset(chunk));
        return (word >>> shift(chunk)) & 0xffff;
    }

    /**
     * Atomically replaces the counter of {@code chunk} by {@code update} if it is {@code expect}.
     * Fails only when the counter itself differs, never because of the neighbour in the word.
     */
    public boolean compareAndSet(long chunk, int expect, int update) {
        long off = wordOffset(chunk);
        int sh = shift(chunk);
        int mask = 0xffff << sh;
        for (;;) {
            int word = table.readVolatileInt(off);
            if (((word >>> sh) & 0xffff) != expect) {
                return false;
            }
            int next = (word & ~mask) | ((update & 0xffff) << sh);
            if (table.compareAndSwapInt(off, word, next)) {
                return true;
            }
        }
    }

    /** Sets a counter without regard to its old value: only while nobody else uses the table (load). */
    void init(long chunk, int value) {
        long off = wordOffset(chunk);
        int sh = shift(chunk);
        int word = table.readInt(off);
        table.writeVolatileInt(off, (word & ~(0xffff << sh)) | ((value & 0xffff) << sh));
    }

    private static long wordOffset(long chunk) {
        return (chunk >>> 1) << 2;
    }

    private static int shift(long chunk) {
        return ((int) chunk & 1) << 4;
    }

    @Override
    public void close() {
        table.releaseLast();
    }
}
