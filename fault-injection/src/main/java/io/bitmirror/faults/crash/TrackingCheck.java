package io.bitmirror.faults.crash;

import io.bitmirror.bitmap.format.ChangeBitmapLayout;
import io.bitmirror.faults.record.LogEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * T1 on a recording: every data write that reached a member (completed: in the log, so present
 * in every crash state from its seq on) has its chunk's bit set in the changed-block bitmap file
 * as it was durable before that write completed, that is in the last recorded sync of the file
 * at a seq below the write's. A write to a chunk whose bit was only in memory when the write went
 * out (the {@code CBT} mutant) shows up as a completed write with no durable bit.
 */
public final class TrackingCheck {
    private TrackingCheck() {
    }

    public static List<Violation> check(Recording r) {
        List<Violation> out = new ArrayList<>();
        long from = r.history().trackingFrom();
        if (from < 0) {
            return out;
        }
        List<History.TrackingSync> syncs = r.history().trackingSyncs();
        Geometry g = r.geometry();
        int members = r.members();
        for (LogEntry e : r.log()) {
            if (e.kind() != LogEntry.Kind.WRITE || e.seq() <= from || e.position() < g.dataOffset()) {
                continue;
            }
            byte[] durable = null;
            for (History.TrackingSync s : syncs) {
                if (s.seq() < e.seq()) {
                    durable = s.file();
                }
            }
            long first = g.chunkOf(e.position() - g.dataOffset());
            long last = g.chunkOf(e.position() - g.dataOffset() + e.length() - 1);
            for (long c = first; c <= last; c++) {
                boolean set = durable != null
                        && (durable[ChangeBitmapLayout.LENGTH + (int) (c >>> 3)] & (1 << (c & 7))) != 0;
                if (!set) {
                    CrashState at = new CrashState(e.seq(), new long[members][0], new long[members][0]);
                    out.add(new Violation("T1", r.workload(), r.seed(), at, "write #" + e.seq() + " to chunk " + c
                            + " on m" + e.member() + " completed while the chunk's tracking bit was not on disk"));
                    return out;
                }
            }
        }
        return out;
    }
}
