package io.bitmirror.raid.array;

/**
 * md's resync speed limits as a pacing rule: the copy may run at most at the ceiling
 * (speed_limit_max) while the array is idle, and near the floor (speed_limit_min) while clients
 * write. Each piece copied pushes a deadline forward by the time that piece takes at the limit;
 * the copier waits until the deadline. Unused time earns no credit beyond a short burst, so no
 * window (after a slow spell, after skipped clean chunks) runs above the limit by more than one
 * burst, unlike an average since the start, which lets a copy that was slow catch up at full
 * speed.
 */
final class SyncThrottle {
    /** Unused time that may be spent at once: small against any window worth measuring. */
    static final long BURST_NANOS = 20_000_000L;

    private long deadline;

    /**
     * Accounts {@code bytes} just copied and returns how long to wait before the next piece, in
     * nanoseconds (0: go on).
     *
     * @param limitKiB the limit now in KiB/s, 0 for none
     */
    long account(long bytes, long limitKiB, long now) {
        if (limitKiB <= 0) {
            deadline = now;
            return 0;
        }
        // Time left unused beyond the burst earns nothing.
        deadline = Math.max(deadline, now - BURST_NANOS) + bytes * 1_000_000_000L / (limitKiB * 1024L);
        return Math.max(0, deadline - now);
    }
}
