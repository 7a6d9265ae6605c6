package io.bitmirror.raid.array;

/** What a member position is doing, in md's words. */
public enum MemberState {
    /** Holds current data: serves reads, takes writes. */
    IN_SYNC,
    /** Being recovered from the others: takes writes, serves no reads. */
    RECOVERING,
    /** Failed: no I/O; its role is recorded as faulty. */
    FAULTY,
    /** No device at this position. */
    MISSING
}
