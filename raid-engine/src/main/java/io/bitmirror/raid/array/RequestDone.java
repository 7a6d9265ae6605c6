package io.bitmirror.raid.array;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.io.IoSlot;

/**
 * The end of an asynchronous client request ({@link RaidArray#writeAsync},
 * {@link RaidArray#readAsync}), told to whoever submitted it, on whichever thread ended it.
 * Implementations are preallocated (one per request record) and must not block: they run on
 * the member completion thread.
 */
@FunctionalInterface
public interface RequestDone {
    /**
     * @param s the request's slot, still held by the submitter (a read's data is in it)
     * @param error null when the request succeeded (a write is on every member it went to,
     *     durable with FUA); else why it failed
     */
    void ended(IoSlot s, ArrayException error);
}
