package io.bitmirror.bitmap.format;

import java.nio.ByteBuffer;

/**
 * The bit array after a bitmap superblock: chunk {@code i} is bit {@code i % 8} (least
 * significant first) of byte {@code i / 8}. A flyweight over a buffer; {@code base} is the
 * buffer position of the first bit byte (the superblock's offset + 256).
 */
public final class BitmapBits {
    private BitmapBits() {
    }

    public static boolean test(ByteBuffer buf, int base, long chunk) {
        return (buf.get(base + (int) (chunk >>> 3)) & (1 << (chunk & 7))) != 0;
    }

    public static void set(ByteBuffer buf, int base, long chunk) {
        int at = base + (int) (chunk >>> 3);
        buf.put(at, (byte) (buf.get(at) | (1 << (chunk & 7))));
    }

    public static void clear(ByteBuffer buf, int base, long chunk) {
        int at = base + (int) (chunk >>> 3);
        buf.put(at, (byte) (buf.get(at) & ~(1 << (chunk & 7))));
    }

    /** Sets the first {@code chunks} bits to {@code dirty}, and the spare bits of the last byte to 0. */
    public static void fill(ByteBuffer buf, int base, long chunks, boolean dirty) {
        long full = chunks >>> 3;
        byte v = dirty ? (byte) 0xff : 0;
        for (int i = 0; i < full; i++) {
            buf.put(base + i, v);
        }
        int rest = (int) (chunks & 7);
        if (rest != 0) {
            buf.put(base + (int) full, dirty ? (byte) ((1 << rest) - 1) : 0);
        }
    }

    /** Number of set bits among the first {@code chunks}. */
    public static long countDirty(ByteBuffer buf, int base, long chunks) {
        long full = chunks >>> 3;
        long n = 0;
        int i = 0;
        for (; i + 8 <= full; i += 8) {
            n += Long.bitCount(buf.getLong(base + i));
        }
        for (; i < full; i++) {
            n += Integer.bitCount(buf.get(base + i) & 0xff);
        }
        int rest = (int) (chunks & 7);
        if (rest != 0) {
            n += Integer.bitCount(buf.get(base + (int) full) & ((1 << rest) - 1));
        }
        return n;
    }
}
