package io.bitmirror.faults.crash;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.faults.record.LogEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * One recorded run of a workload: the member images as created (before any I/O), the log of
 * every completed member operation, and the array-level history.
 *
 * @param workload its name
 * @param seed the workload's seed
 * @param mutant the bitmap mutant the run was recorded with
 * @param geometry member layout
 * @param base member images as created, by member index
 * @param log completed member operations in completion order (entry i has seq i + 1)
 * @param history what the array promised
 */
public record Recording(String workload, long seed, Mutant mutant, Geometry geometry, List<byte[]> base,
        List<LogEntry> log, History history) {

    public int members() {
        return base.size();
    }

    /** Last seq of the log: the crash point "after everything". */
    public long lastSeq() {
        return log.size();
    }

    public LogEntry entry(long seq) {
        return log.get((int) (seq - 1));
    }

    /**
     * Seq of the writes of {@code member} that are durable at crash point {@code k} by a flush:
     * those up to the {@code covers} of its last flush completed by {@code k}.
     */
    public long flushedUpTo(int member, long k) {
        for (long s = k; s >= 1; s--) {
            LogEntry e = entry(s);
            if (e.member() == member && e.kind() == LogEntry.Kind.FLUSH) {
                return e.covers();
            }
        }
        return 0;
    }

    /** Writes of {@code member} completed by {@code k} but not durable: the ones a crash may lose or tear. */
    public List<LogEntry> volatileWrites(int member, long k) {
        long durable = flushedUpTo(member, k);
        List<LogEntry> out = new ArrayList<>();
        for (long s = durable + 1; s <= k; s++) {
            LogEntry e = entry(s);
            if (e.member() == member && e.isWrite() && !e.fua()) {
                out.add(e);
            }
        }
        return out;
    }

    /** Writes made by the workload's history (array level), for sizing reports. */
    public int arrayWrites() {
        return history.writes().size();
    }
}
