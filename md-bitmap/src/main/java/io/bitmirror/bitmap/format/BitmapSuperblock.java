package io.bitmirror.bitmap.format;

import static io.bitmirror.bitmap.format.BitmapSuperblockLayout.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flyweight over a bitmap superblock in a buffer: reads and writes the fields in place, never
 * copies. Wrap it once and reuse it; it holds no other state than the buffer and the offset.
 */
public final class BitmapSuperblock {
    private ByteBuffer buffer;
    private int offset;

    /** Points the flyweight at {@code buffer[offset, offset + 256)}; sets the buffer little-endian. */
    public BitmapSuperblock wrap(ByteBuffer buffer, int offset) {
        if (offset < 0 || buffer.capacity() - offset < LENGTH) {
            throw new IndexOutOfBoundsException("bitmap superblock needs " + LENGTH + " bytes at " + offset
                    + ", buffer has " + buffer.capacity());
        }
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
        this.offset = offset;
        return this;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int magic() {
        return buffer.getInt(offset + MAGIC_OFFSET);
    }

    public BitmapSuperblock magic(int v) {
        buffer.putInt(offset + MAGIC_OFFSET, v);
        return this;
    }

    public int version() {
        return buffer.getInt(offset + VERSION_OFFSET);
    }

    public BitmapSuperblock version(int v) {
        buffer.putInt(offset + VERSION_OFFSET, v);
        return this;
    }

    /** Copies the 16-byte uuid into {@code dst[0..16)}. */
    public void getUuid(byte[] dst) {
        buffer.get(offset + UUID_OFFSET, dst, 0, 16);
    }

    public BitmapSuperblock uuid(byte[] src) {
        buffer.put(offset + UUID_OFFSET, src, 0, 16);
        return this;
    }

    public long events() {
        return buffer.getLong(offset + EVENTS_OFFSET);
    }

    public BitmapSuperblock events(long v) {
        buffer.putLong(offset + EVENTS_OFFSET, v);
        return this;
    }

    public long eventsCleared() {
        return buffer.getLong(offset + EVENTS_CLEARED_OFFSET);
    }

    public BitmapSuperblock eventsCleared(long v) {
        buffer.putLong(offset + EVENTS_CLEARED_OFFSET, v);
        return this;
    }

    /** Sectors covered by the bitmap. */
    public long syncSize() {
        return buffer.getLong(offset + SYNC_SIZE_OFFSET);
    }

    public BitmapSuperblock syncSize(long v) {
        buffer.putLong(offset + SYNC_SIZE_OFFSET, v);
        return this;
    }

    public int state() {
        return buffer.getInt(offset + STATE_OFFSET);
    }

    public BitmapSuperblock state(int v) {
        buffer.putInt(offset + STATE_OFFSET, v);
        return this;
    }

    public boolean isStale() {
        return (state() & STATE_STALE) != 0;
    }

    /** Chunk size in bytes (an unsigned u32 on disk; valid values fit an int). */
    public int chunksize() {
        return buffer.getInt(offset + CHUNKSIZE_OFFSET);
    }

    public BitmapSuperblock chunksize(int v) {
        buffer.putInt(offset + CHUNKSIZE_OFFSET, v);
        return this;
    }

    public int daemonSleep() {
        return buffer.getInt(offset + DAEMON_SLEEP_OFFSET);
    }

    public BitmapSuperblock daemonSleep(int v) {
        buffer.putInt(offset + DAEMON_SLEEP_OFFSET, v);
        return this;
    }

    public int writeBehind() {
        return buffer.getInt(offset + WRITE_BEHIND_OFFSET);
    }

    public BitmapSuperblock writeBehind(int v) {
        buffer.putInt(offset + WRITE_BEHIND_OFFSET, v);
        return this;
    }

    public int sectorsReserved() {
        return buffer.getInt(offset + SECTORS_RESERVED_OFFSET);
    }

    public BitmapSuperblock sectorsReserved(int v) {
        buffer.putInt(offset + SECTORS_RESERVED_OFFSET, v);
        return this;
    }

    public int nodes() {
        return buffer.getInt(offset + NODES_OFFSET);
    }

    public BitmapSuperblock nodes(int v) {
        buffer.putInt(offset + NODES_OFFSET, v);
        return this;
    }

    /** Number of chunks (bits) this superblock describes; valid only after {@link BitmapValidator}. */
    public long chunks() {
        return BitmapGeometry.chunks(syncSize(), chunksize());
    }

    /** Zeroes the whole 256 bytes, then writes a fresh version-4 superblock. */
    public BitmapSuperblock init(byte[] uuid, long syncSizeSectors, int chunksizeBytes, int daemonSleepSeconds,
            int writeBehind, int sectorsReserved) {
        for (int i = 0; i < LENGTH; i += 8) {
            buffer.putLong(offset + i, 0L);
        }
        return magic(MAGIC).version(VERSION_LITTLE_ENDIAN).uuid(uuid).syncSize(syncSizeSectors)
                .chunksize(chunksizeBytes).daemonSleep(daemonSleepSeconds).writeBehind(writeBehind)
                .sectorsReserved(sectorsReserved);
    }
}
