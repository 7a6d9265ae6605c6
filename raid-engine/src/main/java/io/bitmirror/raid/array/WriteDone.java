package io.bitmirror.raid.array;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.io.IoSlot;

/**
 * The end of an asynchronous client write ({@link RaidArray#writeAsync}), told to whoever
 * submitted it, on whichever thread ended the write. Implementations are preallocated (one per
 * request record) and must not block: they run on the member completion thread.
 */
@FunctionalInterface
public interface WriteDone {
    /**
     * @param s the write's slot, still held by the submitter
     * @param error null when the write is on every member it went to (durable with FUA); else
     *     why no member took it
     */
    void written(IoSlot s, ArrayException error);
}
