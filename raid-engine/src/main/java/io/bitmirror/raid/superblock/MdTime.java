package io.bitmirror.raid.superblock;

import java.time.Instant;

/** md's time encoding: low 40 bits seconds since the epoch, high 24 bits microseconds. */
public final class MdTime {
    private MdTime() {
    }

    private static final long SECONDS_MASK = (1L << 40) - 1;

    public static long encode(Instant t) {
        long micros = t.getNano() / 1000L;
        return (t.getEpochSecond() & SECONDS_MASK) | (micros << 40);
    }

    public static long seconds(long encoded) {
        return encoded & SECONDS_MASK;
    }

    public static int micros(long encoded) {
        return (int) (encoded >>> 40);
    }

    public static Instant decode(long encoded) {
        return Instant.ofEpochSecond(seconds(encoded), micros(encoded) * 1000L);
    }
}
