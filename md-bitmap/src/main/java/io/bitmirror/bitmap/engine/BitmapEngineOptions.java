package io.bitmirror.bitmap.engine;

/**
 * Tunables of a {@link WriteIntentBitmap}; immutable, with withers. Defaults suit production.
 * The deliberate bugs ({@link Mutant}) are not among the withers: tests reach them through
 * {@link io.bitmirror.bitmap.engine.internal.EngineInternals} (not API).
 */
public final class BitmapEngineOptions {
    static {
        io.bitmirror.bitmap.engine.internal.EngineInternals.register(BitmapEngineOptions::mutant);
    }

    final long daemonSleepMillis;
    final boolean startDaemon;
    final int waiterSlots;
    final long storeTimeoutNanos;
    final Mutant mutant;
    final boolean readOnly;

    private BitmapEngineOptions(long daemonSleepMillis, boolean startDaemon, int waiterSlots,
            long storeTimeoutNanos, Mutant mutant, boolean readOnly) {
        this.daemonSleepMillis = daemonSleepMillis;
        this.startDaemon = startDaemon;
        this.waiterSlots = waiterSlots;
        this.storeTimeoutNanos = storeTimeoutNanos;
        this.mutant = mutant;
        this.readOnly = readOnly;
    }

    /** daemon_sleep from the superblock, daemon thread on, 256 waiter slots, 30 s store timeout. */
    public static BitmapEngineOptions defaults() {
        return new BitmapEngineOptions(-1, true, 256, 30_000_000_000L, Mutant.NONE, false);
    }

    /** Overrides the superblock's daemon_sleep (tests and benchmarks); -1 keeps it. */
    public BitmapEngineOptions daemonSleepMillis(long millis) {
        return new BitmapEngineOptions(millis, startDaemon, waiterSlots, storeTimeoutNanos, mutant, readOnly);
    }

    /** false: no daemon thread; the caller runs {@link WriteIntentBitmap#daemonTick()} itself. */
    public BitmapEngineOptions startDaemon(boolean start) {
        return new BitmapEngineOptions(daemonSleepMillis, start, waiterSlots, storeTimeoutNanos, mutant, readOnly);
    }

    /** Writers that can park at once without polling; rounded up to a power of two. */
    public BitmapEngineOptions waiterSlots(int slots) {
        int p = Integer.highestOneBit(Math.max(1, slots - 1)) << 1;
        return new BitmapEngineOptions(daemonSleepMillis, startDaemon, p, storeTimeoutNanos, mutant, readOnly);
    }

    /** How long the flusher waits for the store to complete an epoch before calling it failed. */
    public BitmapEngineOptions storeTimeoutNanos(long nanos) {
        return new BitmapEngineOptions(daemonSleepMillis, startDaemon, waiterSlots, nanos, mutant, readOnly);
    }

    /**
     * true: the bitmap of a read-only array ({@code assemble --readonly}): loaded and reported,
     * never written. No daemon thread (nothing is cleared), a stale or outdated bitmap is held all
     * dirty in memory only (its stale flag stays on disk for the next read-write assembly), and
     * every call that would dirty a page ({@link WriteIntentBitmap#startWrite}, events, clearing,
     * rewriting) throws {@link IllegalStateException}. Default false.
     */
    public BitmapEngineOptions readOnly(boolean readOnly) {
        return new BitmapEngineOptions(daemonSleepMillis, startDaemon, waiterSlots, storeTimeoutNanos, mutant,
                readOnly);
    }

    /** A deliberate bug (tests and the fault campaign only); {@link Mutant#NONE} by default. */
    BitmapEngineOptions mutant(Mutant m) {
        return new BitmapEngineOptions(daemonSleepMillis, startDaemon, waiterSlots, storeTimeoutNanos, m, readOnly);
    }
}
