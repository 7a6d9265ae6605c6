package io.bitmirror.faults.crash;

import java.util.ArrayList;
import java.util.List;

/**
 * L1 on a recording, beside the safety checks: a run that ended idle, whole and in sync (see
 * {@link History#idle()}) must have cleared every bit on disk by its end, in every member's
 * bitmap, with no client flush during the idle time. "On disk" is the image a crash at the last
 * log entry leaves when every volatile write is lost: only what a completed member flush (or
 * FUA) made durable counts, so a clear that was written but never flushed is not enough.
 */
public final class LivenessCheck {
    private LivenessCheck() {
    }

    public static List<Violation> check(Recording r) {
        History.Idle idle = r.history().idle();
        List<Violation> out = new ArrayList<>();
        if (idle == null) {
            return out;
        }
        int members = r.members();
        CrashState end = new CrashState(r.lastSeq(), new long[members][0], new long[members][0]);
        byte[][] img = ImageBuilder.build(r, end);
        Geometry g = r.geometry();
        for (int m = 0; m < members; m++) {
            long dirty = 0;
            long firstDirty = -1;
            for (long c = 0; c < g.chunks(); c++) {
                if (g.bitSet(img[m], c)) {
                    dirty++;
                    if (firstDirty < 0) {
                        firstDirty = c;
                    }
                }
            }
            if (dirty > 0) {
                out.add(new Violation("L1", r.workload(), r.seed(), end, dirty + " chunks (first " + firstDirty
                        + ") still dirty on disk on m" + m + " " + idle.millis() + " ms (" + idle.periods()
                        + " daemon_sleep periods) after the array went idle, whole and in sync at #" + idle.fromSeq()));
            }
        }
        return out;
    }
}
