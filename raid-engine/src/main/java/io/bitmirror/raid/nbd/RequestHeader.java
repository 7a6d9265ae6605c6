package io.bitmirror.raid.nbd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flyweight over a 28-byte NBD request header (big-endian), wherever it lies in a buffer: the
 * connection wraps it over its receive buffer, so a header is parsed without a copy.
 */
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

    private ByteBuffer b;
    private int at;

    /** Points this flyweight at the header starting at {@code offset} of {@code buffer}. */
    RequestHeader wrap(ByteBuffer buffer, int offset) {
        if (buffer.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("NBD headers are big-endian");
        }
        this.b = buffer;
        this.at = offset;
        return this;
    }

    int magic() {
        return b.getInt(at + MAGIC);
    }

    int flags() {
        return b.getShort(at + FLAGS) & 0xffff;
    }

    int type() {
        return b.getShort(at + TYPE) & 0xffff;
    }

    long cookie() {
        return b.getLong(at + COOKIE);
    }

    long offset() {
        return b.getLong(at + OFFSET);
    }

    /** Unsigned 32-bit length as a long. */
    long length() {
        return Integer.toUnsignedLong(b.getInt(at + LENGTH));
    }
}
