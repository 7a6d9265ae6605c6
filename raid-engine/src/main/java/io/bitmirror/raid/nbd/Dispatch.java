package io.bitmirror.raid.nbd;

/** Who runs a connection's reads and writes: the thread that reads the socket, or workers. */
public enum Dispatch {
    /**
     * The reader runs small reads and writes itself while they complete faster than a hand-off
     * to another thread would cost (tmpfs, page cache), and hands them to workers when the
     * members make them wait (O_DIRECT on a disk); see {@link InlinePolicy}.
     */
    AUTO,
    /** The reader runs every small read and write itself. */
    READER,
    /** Every request goes to a worker (one hand-off each; best for slow devices). */
    WORKERS
}
