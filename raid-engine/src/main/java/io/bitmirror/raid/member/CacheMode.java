package io.bitmirror.raid.member;

import java.util.Locale;

/**
 * Whose cache a member's writes go through ({@code assemble --cache}, qemu-nbd's option name and
 * words). Either way a write is durable only after a completed {@link MemberDevice#flush} (or at
 * once with FUA): the array flushes exactly where it would flush a disk's volatile write cache.
 */
public enum CacheMode {
    /**
     * O_DIRECT: the page cache is bypassed, the disk's own cache (if any) is the only volatile
     * cache. The default, for block devices and regular files alike.
     */
    NONE,
    /**
     * Buffered I/O: the page cache is the member's volatile write cache, made durable by
     * fdatasync on every member flush and after every FUA write. On a block device this is the
     * device's page cache, as qemu's {@code cache=writeback}.
     */
    WRITEBACK;

    /** The option's word: {@code none} or {@code writeback}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode for an option value; a one-line error naming the choices otherwise. */
    public static CacheMode parse(String word) {
        for (CacheMode m : values()) {
            if (m.word().equals(word)) {
                return m;
            }
        }
        throw new IllegalArgumentException("--cache must be none or writeback: " + word);
    }
}
