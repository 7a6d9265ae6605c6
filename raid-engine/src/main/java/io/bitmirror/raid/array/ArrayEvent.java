package io.bitmirror.raid.array;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * One event of a running array, named as {@code mdadm --monitor} names it (docs/API.md, Events).
 * Immutable. {@link #device()} is the member it concerns, or null; {@link #percent()} is the
 * sync progress for the Rebuild events, else -1; {@link #action()} is md's sync_action word
 * (resync, recovery, check, repair) for the Rebuild events, else null; {@link #mismatchSectors()}
 * is md's mismatch_cnt when a check or repair finished, else -1; {@link #lost()} is the number
 * of events dropped for an {@link #EVENTS_LOST}, else 0.
 */
public final class ArrayEvent {
    /** An in-sync member failed (manage --fail or an I/O error). */
    public static final String FAIL = "Fail";
    /** A member being recovered failed. */
    public static final String FAIL_SPARE = "FailSpare";
    /** The array is degraded when first seen: at assembly, or by a new subscriber. */
    public static final String DEGRADED_ARRAY = "DegradedArray";
    /** The array stopped. */
    public static final String DEVICE_DISAPPEARED = "DeviceDisappeared";
    /** A resync, recovery, check or repair started. */
    public static final String REBUILD_STARTED = "RebuildStarted";
    /** A sync pass ended, done or not (stopped, interrupted, a member failed). */
    public static final String REBUILD_FINISHED = "RebuildFinished";
    /** A recovered member became in sync. */
    public static final String SPARE_ACTIVE = "SpareActive";
    /** The array was assembled. */
    public static final String NEW_ARRAY = "NewArray";
    /** Ours, not mdadm's: a subscriber's queue was full and {@link #lost()} events were dropped. */
    public static final String EVENTS_LOST = "EventsLost";

    private final Instant time;
    private final String event;
    private final String array;
    private final String uuid;
    private final Path device;
    private final int percent;
    private final String action;
    private final long mismatchSectors;
    private final long lost;

    ArrayEvent(Instant time, String event, String array, String uuid, Path device, int percent, String action,
            long mismatchSectors, long lost) {
        this.time = Objects.requireNonNull(time, "time");
        this.event = Objects.requireNonNull(event, "event");
        this.array = Objects.requireNonNull(array, "array");
        this.uuid = Objects.requireNonNull(uuid, "uuid");
        this.device = device;
        this.percent = percent;
        this.action = action;
        this.mismatchSectors = mismatchSectors;
        this.lost = lost;
    }

    /** "RebuildNN" for a progress step ({@code pct} 20, 40, 60, 80). */
    static String rebuild(int pct) {
        return "Rebuild" + pct;
    }

    public Instant time() {
        return time;
    }

    /** mdadm's event name (Fail, RebuildStarted, Rebuild20, ...), or EventsLost. */
    public String event() {
        return event;
    }

    /** The array's name as its superblocks have it (HOST:NAME or NAME). */
    public String array() {
        return array;
    }

    /** The array's uuid in mdadm's notation (four groups of eight hex digits, colons between). */
    public String uuid() {
        return uuid;
    }

    public Path device() {
        return device;
    }

    public int percent() {
        return percent;
    }

    public String action() {
        return action;
    }

    public long mismatchSectors() {
        return mismatchSectors;
    }

    public long lost() {
        return lost;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder().append(time).append(' ').append(event).append(" on ").append(array);
        if (device != null) {
            b.append(' ').append(device);
        }
        if (action != null) {
            b.append(" (").append(action).append(percent >= 0 ? " " + percent + "%" : "").append(')');
        }
        if (mismatchSectors > 0) {
            b.append(" mismatches: ").append(mismatchSectors);
        }
        if (lost > 0) {
            b.append(' ').append(lost).append(" events lost");
        }
        return b.toString();
    }
}
