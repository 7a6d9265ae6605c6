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
 * unit may be 1 GiB): when the limit asks for a pause, the copy lets go of the barrier first
 * ({@link UnitHold}, which says why that is safe). The caller flushes the targets. Allocates
 * nothing.
 */
final class UnitCopy {
    private static final Logger LOG = LoggerFactory.getLogger(UnitCopy.class);

    private final SyncTarget a;
    private final SyncProgress progress;
    /** The barrier over the unit being copied, let go for pauses. */
    private final UnitHold hold;

    UnitCopy(SyncTarget a, SyncProgress progress, SyncStop stop) {
        this.a = a;
        this.progress = progress;
        this.hold = new UnitHold(a, progress, stop);
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
        hold.begin(u);
        try {
            for (long pos = start; pos < end; ) {
                int n = (int) Math.min(piece, end - pos);
                hold.retake();
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
                    hold.pause(progress.done(n), plan);
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
                    // A pause lets go of the barrier: the piece in flight is awaited first, so
                    // nothing of this unit is being written while a client write goes ahead.
                    inFlight = false;
                    if (!succeeded(plan, f.await(writing))) {
                        return false;
                    }
                    wait = Math.max(wait, progress.done(inFlightBytes));
                    if (hold.pause(wait, plan)) {
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
            hold.pause(wait, plan);
            return true;
        } finally {
            // Only a write still in flight is awaited here: each await above clears the flag first.
            if (inFlight) {
                f.await(writing);
            }
            f.release(current);
            f.release(writing);
            hold.close();
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
