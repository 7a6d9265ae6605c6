package io.bitmirror.bitmap.engine;

/**
 * Deliberate bugs, off by default, that break one invariant each: the model and fault-injection
 * tests switch one on to prove that they notice. Chosen once per engine, from
 * {@link BitmapEngineOptions#mutant} or the system property {@value #PROPERTY}.
 */
public enum Mutant {
    /** The real engine. */
    NONE,
    /** W1 broken: the flusher releases the epoch's writers before the pages are written. */
    W1,
    /** W2 broken: the daemon clears pending chunks without waiting for a member flush. */
    W2,
    /** W4 broken: the daemon keeps clearing while the array is degraded. */
    W4,
    /** W6 broken: the flusher hands the live page image to the store instead of a snapshot. */
    W6;

    /** System property naming the mutant: NONE, W1, W2, W4 or W6. */
    public static final String PROPERTY = "bitmirror.mutant";

    /** The mutant named by {@value #PROPERTY}, NONE when unset or empty. */
    public static Mutant fromSystemProperty() {
        String v = System.getProperty(PROPERTY, "").trim();
        return v.isEmpty() ? NONE : valueOf(v.toUpperCase(java.util.Locale.ROOT));
    }
}
