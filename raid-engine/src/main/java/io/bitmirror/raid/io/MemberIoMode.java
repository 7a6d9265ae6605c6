package io.bitmirror.raid.io;

import java.util.Locale;

/**
 * How member requests are performed ({@code assemble --member-io}).
 */
public enum MemberIoMode {
    /** {@link #AIO} where the kernel gives a context, else {@link #INLINE} with a one-line notice. */
    AUTO,
    /**
     * Linux AIO: a write or flush goes to every member in one submission and completes on the
     * completion thread; the requesting thread waits for the last member, not for each in turn.
     */
    AIO,
    /** One I/O thread per member; the requesting thread does the lowest member itself ({@code --member-threads}). */
    THREADS,
    /** The requesting thread writes each member in turn: no hand-off at all (fast on tmpfs and page cache). */
    INLINE;

    /** The option's word: {@code aio}, {@code threads}, ... */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode for an option value; a one-line error naming the choices otherwise. */
    public static MemberIoMode parse(String word) {
        for (MemberIoMode m : values()) {
            if (m.word().equals(word)) {
                return m;
            }
        }
        throw new IllegalArgumentException("--member-io must be auto, aio, threads or inline: " + word);
    }
}
