package io.bitmirror.raid.nbd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Flyweight over a 28-byte NBD request header (big-endian). */
final class RequestHeader {
    /** u32 magic. */
    static final int MAGIC = 0;
    /** u16 command flags. */
    static final int FLAGS = 4;
    /** u16 command type. */
    static final int TYPE = 6;
    /** u64 cookie echoed in the reply. */
    static final int COOKIE = 8;
    /** u64 offset. */
    static final int OFFSET = 16;
    /** u32 length. */
    static final int LENGTH = 24;

    private final ByteBuffer b = ByteBuffer.allocateDirect(Nbd.REQUEST_LENGTH).order(ByteOrder.BIG_ENDIAN);

    ByteBuffer buffer() {
        return b;
    }

    int magic() {
        return b.getInt(MAGIC);
    }

    int flags() {
        return b.getShort(FLAGS) & 0xffff;
    }

    int type() {
        return b.getShort(TYPE) & 0xffff;
    }

    long cookie() {
        return b.getLong(COOKIE);
    }

    long offset() {
        return b.getLong(OFFSET);
    }

    /** Unsigned 32-bit length as a long. */
    long length() {
        return Integer.toUnsignedLong(b.getInt(LENGTH));
    }
}
