package io.bitmirror.raid.array;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The array's events and their subscribers: builds each {@link ArrayEvent} and hands it to every
 * {@link ArrayEventSubscription} queue. Emitting never waits for a listener (a queue operation
 * under two short monitors), so it may be called from the write path's failure handling, under
 * the members' lock, and from the sync thread. Member events come from comparing each new
 * {@link MemberSet} with the one before, as mdadm's monitor compares the disks' states between
 * two looks: a member that was in sync and is not any more is a Fail, one that was recovering and
 * is faulty now a FailSpare, one that is in sync now and was not a SpareActive.
 */
final class ArrayEvents {
    /** Queue bound of a subscription that does not choose one. */
    static final int DEFAULT_CAPACITY = 256;

    private final String name;
    private final String uuid;
    private final String threadName;
    private final BooleanSupplier degraded;
    private final List<ArrayEventSubscription> subs = new ArrayList<>();
    /** The snapshot before the latest; only touched by {@link #membersChanged} under the members' lock. */
    private MemberSet before;
    private int serial;

    ArrayEvents(String name, byte[] uuid, String shortName, BooleanSupplier degraded) {
        this.name = name;
        this.uuid = AssemblyPlan.hex(uuid);
        this.threadName = "md-" + shortName + "-events-";
        this.degraded = degraded;
    }

    /**
     * A new subscription; a subscriber that first sees the array degraded is told so first
     * (mdadm's DegradedArray, which its monitor raises for an array it first looks at).
     */
    ArrayEventSubscription subscribe(ArrayEventListener l, int capacity) {
        return subscribe(l, capacity, true);
    }

    /**
     * @param firstLook false for the assembly's own listener: the array is not running yet, and
     *     its NewArray and DegradedArray come from the start
     */
    ArrayEventSubscription subscribe(ArrayEventListener l, int capacity, boolean firstLook) {
        ArrayEventSubscription s;
        synchronized (this) {
            s = new ArrayEventSubscription(this, l, capacity, threadName + serial++);
            if (firstLook && degraded.getAsBoolean()) {
                s.offer(event(ArrayEvent.DEGRADED_ARRAY, null, -1, null, -1));
            }
            subs.add(s);
        }
        s.start();
        return s;
    }

    synchronized void remove(ArrayEventSubscription s) {
        subs.remove(s);
    }

    synchronized int subscribers() {
        return subs.size();
    }

    void emit(String event) {
        emit(event(event, null, -1, null, -1));
    }

    void emit(String event, Path device) {
        emit(event(event, device, -1, null, -1));
    }

    /** A Rebuild event of sync pass {@code action}. */
    void rebuild(String event, String action, int percent, long mismatchSectors) {
        emit(event(event, null, percent, action, mismatchSectors));
    }

    private synchronized void emit(ArrayEvent e) {
        for (ArrayEventSubscription s : subs) {
            s.offer(e);
        }
    }

    private ArrayEvent event(String event, Path device, int percent, String action, long mismatchSectors) {
        return new ArrayEvent(Instant.now(), event, name, uuid, device, percent, action, mismatchSectors, 0);
    }

    /** An event of this array, now, for a subscription to derive its EventsLost from. */
    ArrayEvent template() {
        return event(ArrayEvent.EVENTS_LOST, null, -1, null, -1);
    }

    /** Told of every new member snapshot, under the members' lock: emits what changed per slot. */
    void membersChanged(MemberSet now) {
        MemberSet was = before;
        before = now;
        if (was == null) {
            return;
        }
        for (int s = 0; s < now.slots(); s++) {
            MemberState a = was.state(s);
            MemberState b = now.state(s);
            if (a == b) {
                continue;
            }
            Path p = now.path(s) != null ? now.path(s) : was.path(s);
            if (a == MemberState.IN_SYNC) {
                emit(ArrayEvent.FAIL, p);
            } else if (a == MemberState.RECOVERING && b == MemberState.FAULTY) {
                emit(ArrayEvent.FAIL_SPARE, p);
            } else if (b == MemberState.IN_SYNC) {
                emit(ArrayEvent.SPARE_ACTIVE, p);
            }
        }
    }
}
