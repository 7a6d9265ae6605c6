package io.bitmirror.raid.array;

import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberFanout;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one unit from a source member to target members under the sync barrier, for resync and
 * recovery. A unit larger than a slot goes in pieces, the next read while the previous piece is
 * being written (two slots). Progress and the speed limit are kept per piece, not per unit (a
 * unit may be 1 GiB): when the limit asks for a pause, the copy lets go of the barrier first, so
 * client writes to the unit are not held up by the pause. That is safe because writes go to
 * every member: the part already copied stays in sync, and the rest is copied after them. The
 * caller flushes the targets. Allocates nothing.
 */
final class UnitCopy {
    private static final Logger LOG = LoggerFactory.getLogger(UnitCopy.class);

    private final SyncTarget a;
    private final SyncProgress progress;
    private final SyncStop stop;

    UnitCopy(SyncTarget a, SyncProgress progress, SyncStop stop) {
        this.a = a;
        this.progress = progress;
        this.stop = stop;
    }

    /** False when a member failed (it has been failed then) or the pass was stopped in a pause. */
    boolean copy(SyncPlan plan, long u, int source, int targets) {
        MemberFanout f = a.fanout();
        long unit = a.unitBytes();
        long start = u * unit;
        long end = Math.min(start + unit, a.sizeBytes());
        if (targets == 0) {
            progress.skip(end - start);
            return true;
        }
        int piece = f.slotBytes();
        IoSlot current = f.acquire();
        IoSlot writing = f.acquire();
        boolean inFlight = false;
        int inFlightBytes = 0;
        a.barrier().beginSync(u);
        boolean held = true;
        try {
            for (long pos = start; pos < end; ) {
                int n = (int) Math.min(piece, end - pos);
                if (!held) {
                    a.barrier().beginSync(u);
                    held = true;
                }
                try {
                    f.read(current, source, pos, n);
                } catch (IOException e) {
                    LOG.warn("{}: {} read error on member {}: {}", a.name(), plan.action, source, e.getMessage());
                    if (inFlight) {
                        inFlight = false;
                        f.await(writing);
                    }
                    a.failMembers(1 << source, "read error during " + plan.action);
                    return false;
                }
                if (!inFlight && pos + n == end) {
                    // The unit's only (or last, after a pause) piece: written in this thread,
                    // no hand-off.
                    if (!succeeded(plan, f.write(current, pos, n, false, targets))) {
                        return false;
                    }
                    long wait = progress.done(n);
                    a.barrier().endSync();
                    held = false;
                    progress.pause(wait, stop, plan);
                    return true;
                }
                long wait = 0;
                if (inFlight) {
                    inFlight = false;
                    if (!succeeded(plan, f.await(writing))) {
                        return false;
                    }
                    wait = progress.done(inFlightBytes);
                }
                f.startWrite(current, pos, n, targets);
                IoSlot t = writing;
                writing = current;
                current = t;
                inFlight = true;
                inFlightBytes = n;
                pos += n;
                if (wait > 0 && pos < end) {
                    inFlight = false;
                    if (!succeeded(plan, f.await(writing))) {
                        return false;
                    }
                    wait = Math.max(wait, progress.done(inFlightBytes));
                    a.barrier().endSync();
                    held = false;
                    progress.pause(wait, stop, plan);
                    if (stop.stops(plan)) {
                        return false;
                    }
                }
            }
            long wait = 0;
            if (inFlight) {
                inFlight = false;
                if (!succeeded(plan, f.await(writing))) {
                    return false;
                }
                wait = progress.done(inFlightBytes);
            }
            a.barrier().endSync();
            held = false;
            progress.pause(wait, stop, plan);
            return true;
        } finally {
            // Only a write still in flight is awaited here: each await above clears the flag first.
            if (inFlight) {
                f.await(writing);
            }
            f.release(current);
            f.release(writing);
            if (held) {
                a.barrier().endSync();
            }
        }
    }

    /** True when no target failed; otherwise fails the targets named by {@code failedMask}. */
    private boolean succeeded(SyncPlan plan, int failedMask) {
        if (failedMask != 0) {
            a.failMembers(failedMask, "write error during " + plan.action);
            return false;
        }
        return true;
    }
}
