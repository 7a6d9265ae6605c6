package io.bitmirror.faults.crash;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.faults.record.LogEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * One recorded run of a workload: the member images as created (before any I/O), the log of
 * every completed member operation, and the array-level history.
 */
public final class Recording {
    private final String workload;
    private final long seed;
    private final Mutant mutant;
    private final Geometry geometry;
    private final List<byte[]> base;
    private final List<LogEntry> log;
    private final History history;
    /** durable[m][k]: highest seq of m's writes made durable by a flush completed by seq k. */
    private final long[][] durable;

    /**
     * @param workload its name
     * @param seed the workload's seed
     * @param mutant the bitmap mutant the run was recorded with
     * @param geometry member layout
     * @param base member images as created, by member index
     * @param log completed member operations in completion order (entry i has seq i + 1)
     * @param history what the array promised
     */
    public Recording(String workload, long seed, Mutant mutant, Geometry geometry, List<byte[]> base,
            List<LogEntry> log, History history) {
        this.workload = workload;
        this.seed = seed;
        this.mutant = mutant;
        this.geometry = geometry;
        this.base = base;
        this.log = log;
        this.history = history;
        this.durable = new long[base.size()][log.size() + 1];
        for (int m = 0; m < base.size(); m++) {
            long d = 0;
            for (int k = 1; k <= log.size(); k++) {
                LogEntry e = log.get(k - 1);
                // Flushes may overlap: one issued later can complete earlier. The durable bound is
                // the highest cover of any flush completed so far, not the last one's.
                if (e.member() == m && e.kind() == LogEntry.Kind.FLUSH) {
                    d = Math.max(d, e.covers());
                }
                durable[m][k] = d;
            }
        }
    }

    public String workload() {
        return workload;
    }

    public long seed() {
        return seed;
    }

    public Mutant mutant() {
        return mutant;
    }

    public Geometry geometry() {
        return geometry;
    }

    public List<byte[]> base() {
        return base;
    }

    public List<LogEntry> log() {
        return log;
    }

    public History history() {
        return history;
    }

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

    /** Writes of {@code member} up to this seq are durable at crash point {@code k} (by a completed flush). */
    public long flushedUpTo(int member, long k) {
        return durable[member][(int) k];
    }

    /** Writes of {@code member} completed by {@code k} but not durable: the ones a crash may lose or tear. */
    public List<LogEntry> volatileWrites(int member, long k) {
        long d = flushedUpTo(member, k);
        List<LogEntry> out = new ArrayList<>();
        for (long s = d + 1; s <= k; s++) {
            LogEntry e = entry(s);
            if (e.member() == member && e.isWrite() && !e.fua()) {
                out.add(e);
            }
        }
        return out;
    }
}
