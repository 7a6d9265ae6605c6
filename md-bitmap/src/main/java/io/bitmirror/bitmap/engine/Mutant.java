package io.bitmirror.bitmap.engine;

/**
 * Deliberate bugs, off by default, that break one invariant each: the model and fault-injection
 * tests switch one on to prove that they notice. Chosen once per engine, only through the
 * internal SPI ({@link io.bitmirror.bitmap.engine.internal.EngineInternals}; for an array
 * {@code io.bitmirror.raid.internal.ArrayInternals}; not API): no system property, environment
 * variable or CLI option of an array command reaches it, so a production run cannot switch a
 * broken bitmap on.
 * The one way in from the shipped launcher is {@code fault-campaign --mutant}, which records on
 * scratch members of its own and never opens a user's array.
 */
public enum Mutant {
    /** The real engine. */
    NONE,
    /** W1 broken: the flusher releases the epoch's writers before the pages are written. */
    W1,
    /** W2 broken: the daemon clears pending chunks without waiting for a member flush. */
    W2,
    /**
     * W4 broken: while the array is degraded, writes leave no NEEDED mark and the daemon keeps
     * clearing.
     */
    W4,
    /** W6 broken: the flusher hands the live page image to the store instead of a snapshot. */
    W6,
    /** L1 broken: the daemon never clears a bit, so the bitmap only grows. */
    L1,
    /**
     * Changed-block tracking broken: a writer that sets a tracking bit does not wait for it to be
     * durable, so its data write can reach a member while the bit is only in memory.
     */
    CBT,
    /**
     * W2 with write-behind broken (the array's, not the engine's): a write's bits are let go
     * once the members that are not behind answered, while its copy to a write-mostly member
     * is still outstanding, so the daemon may clear a bit over a member that lacks the data.
     */
    BEHIND;
}
