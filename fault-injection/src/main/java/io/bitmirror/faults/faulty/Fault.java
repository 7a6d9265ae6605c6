package io.bitmirror.faults.faulty;

/** What a matching rule does to an operation. */
public enum Fault {
    /** Fails with an IOException; nothing is stored. */
    ERROR,
    /** A write is reported done but never stored (a lying cache). */
    DROP,
    /** A write stores only some of its 512-byte sectors, then reports done. */
    TORN,
    /** The operation is delayed, then done normally. */
    DELAY
}
