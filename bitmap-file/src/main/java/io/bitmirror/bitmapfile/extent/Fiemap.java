package io.bitmirror.bitmapfile.extent;

import static io.bitmirror.bitmapfile.extent.FiemapLayout.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flyweight over a {@code struct fiemap} request/response in a direct buffer (see
 * {@link FiemapLayout}): fields are read and written in place, the kernel fills the buffer.
 */
public final class Fiemap {
    private ByteBuffer buffer;

    /** Points the flyweight at {@code buffer} (position 0), sets native order. */
    public Fiemap wrap(ByteBuffer buffer) {
        this.buffer = buffer.order(ByteOrder.nativeOrder());
        return this;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    /** Room for extents in the wrapped buffer. */
    public int capacity() {
        return (buffer.capacity() - HEADER_LENGTH) / EXTENT_LENGTH;
    }

    /** Zeroes the header and sets up a request for {@code [start, start + length)}. */
    public Fiemap request(long start, long length, int flags) {
        for (int i = 0; i < HEADER_LENGTH; i += 8) {
            buffer.putLong(i, 0L);
        }
        buffer.putLong(FM_START_OFFSET, start);
        buffer.putLong(FM_LENGTH_OFFSET, length);
        buffer.putInt(FM_FLAGS_OFFSET, flags);
        buffer.putInt(FM_EXTENT_COUNT_OFFSET, capacity());
        return this;
    }

    public int flags() {
        return buffer.getInt(FM_FLAGS_OFFSET);
    }

    public int mappedExtents() {
        return buffer.getInt(FM_MAPPED_EXTENTS_OFFSET);
    }

    public long logical(int i) {
        return buffer.getLong(at(i) + FE_LOGICAL_OFFSET);
    }

    public long physical(int i) {
        return buffer.getLong(at(i) + FE_PHYSICAL_OFFSET);
    }

    public long length(int i) {
        return buffer.getLong(at(i) + FE_LENGTH_OFFSET);
    }

    public int extentFlags(int i) {
        return buffer.getInt(at(i) + FE_FLAGS_OFFSET);
    }

    /** Test hook: fills extent {@code i} as the kernel would. */
    Fiemap putExtent(int i, long logical, long physical, long length, int flags) {
        int at = at(i);
        buffer.putLong(at + FE_LOGICAL_OFFSET, logical);
        buffer.putLong(at + FE_PHYSICAL_OFFSET, physical);
        buffer.putLong(at + FE_LENGTH_OFFSET, length);
        buffer.putInt(at + FE_FLAGS_OFFSET, flags);
        return this;
    }

    private static int at(int i) {
        return HEADER_LENGTH + i * EXTENT_LENGTH;
    }
}
