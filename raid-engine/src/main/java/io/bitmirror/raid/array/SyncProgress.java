package io.bitmirror.raid.array;

import java.util.concurrent.locks.LockSupport;

/**
 * Progress of the running pass for {@code detail} (sectors done of total, speed over about a
 * second) and its pacing between md's speed limits: at most speed_limit_max while the array is
 * idle, near speed_limit_min while clients write ({@link SyncThrottle}). Written by the sync
 * thread only; read by status snapshots.
 */
final class SyncProgress {
    /** Speed shown by detail: measured over about this long. */
    private static final long SPEED_WINDOW_NANOS = 1_000_000_000L;
    /** Clients wrote within this long: the array is busy and the pass keeps to the minimum. */
    private static final long BUSY_NANOS = 100_000_000L;
    /** A pause is taken in slices of at most this, so that a stop is noticed soon. */
    private static final long PAUSE_SLICE_NANOS = 100_000_000L;

    private final SyncTarget a;
    private final SyncThrottle throttle = new SyncThrottle();
    private volatile long doneSectors;
    private volatile long totalSectors;
    private volatile long speedKiB;
    private long speedMark;
    private long speedMarkSectors;
    /** md's sync_action word of the pass, for its Rebuild events. */
    private String action;
    /** Progress steps of 20% announced so far in this pass (mdadm's monitor increment): 0 to 4. */
    private int steps;

    SyncProgress(SyncTarget a) {
        this.a = a;
    }

    /** A new pass of {@code action} over {@code total} sectors. */
    void start(long total, String action) {
        this.action = action;
        this.steps = 0;
        doneSectors = 0;
        totalSectors = total;
        speedKiB = 0;
        speedMark = System.nanoTime();
        speedMarkSectors = 0;
    }

    /** Sectors passed over without I/O (a unit with no target): counted, not paced. */
    void skip(long bytes) {
        doneSectors += bytes / 512;
        announce();
    }

    /**
     * Rebuild20, 40, 60, 80 as the pass passes each, each step once and in order (a unit that
     * passes two announces both). On the sync thread, per unit: one division unless a step is
     * passed, and only then an event is built.
     */
    private void announce() {
        long total = totalSectors;
        if (steps >= 4 || total <= 0) {
            return;
        }
        long pct = doneSectors * 100 / total;
        while (steps < 4 && pct >= (steps + 1) * 20L) {
            steps++;
            a.events().rebuild(ArrayEvent.rebuild(steps * 20), action, steps * 20, -1);
        }
    }

    /** Percent of the pass done (0 to 100), for RebuildFinished. */
    int percent() {
        long total = totalSectors;
        return total <= 0 ? 100 : (int) Math.min(100, doneSectors * 100 / total);
    }

    /**
     * Counts {@code bytes} as done and returns how long the speed limit says to wait before the
     * next piece, in nanoseconds.
     */
    long done(long bytes) {
        doneSectors += bytes / 512;
        announce();
        long now = System.nanoTime();
        if (now - speedMark >= SPEED_WINDOW_NANOS) {
            speedKiB = (doneSectors - speedMarkSectors) * 512 * 1_000_000_000L / (now - speedMark) / 1024;
            speedMark = now;
            speedMarkSectors = doneSectors;
        }
        AssembleOptions o = a.options();
        boolean busy = now - a.lastWriteNanos() < BUSY_NANOS;
        long limit = busy ? Math.max(o.minSpeedKiB(), 1) : o.maxSpeedKiB();
        return throttle.account(bytes, limit, now);
    }

    /** Waits {@code nanos}, in slices, returning early once {@code stop} says so. */
    void pause(long nanos, SyncStop stop, SyncPlan plan) {
        long until = System.nanoTime() + nanos;
        for (long left = nanos; left > 0 && !stop.stops(plan); left = until - System.nanoTime()) {
            LockSupport.parkNanos(this, Math.min(left, PAUSE_SLICE_NANOS));
        }
    }

    long doneSectors() {
        return doneSectors;
    }

    long totalSectors() {
        return totalSectors;
    }

    long speedKiB() {
        return speedKiB;
    }
}
