package io.bitmirror.faults.record;

import java.util.ArrayList;
import java.util.List;

/**
 * The log of every member's completed operations in one global completion order. Appends are
 * serialized: the order in the log is the order in which the operations completed, which is the
 * only order a crash respects.
 */
public final class WriteLog {
    private final List<LogEntry> entries = new ArrayList<>();
    private final long[] lastWrite;

    /** @param members number of member indexes that may appear */
    public WriteLog(int members) {
        this.lastWrite = new long[members];
    }

    public int members() {
        return lastWrite.length;
    }

    /** Seq of the last completed operation (0 before any). */
    public synchronized long currentSeq() {
        return entries.size();
    }

    /** Highest seq of a completed write or trim of {@code member} (0 if none). */
    public synchronized long lastWriteSeq(int member) {
        return lastWrite[member];
    }

    synchronized LogEntry appendWrite(int member, LogEntry.Kind kind, long position, byte[] data, boolean fua) {
        LogEntry e = new LogEntry(entries.size() + 1L, member, kind, position, data, fua, 0);
        entries.add(e);
        lastWrite[member] = e.seq();
        return e;
    }

    synchronized LogEntry appendFlush(int member, long covers) {
        LogEntry e = new LogEntry(entries.size() + 1L, member, LogEntry.Kind.FLUSH, 0, null, false, covers);
        entries.add(e);
        return e;
    }

    /** A copy of the log so far. */
    public synchronized List<LogEntry> snapshot() {
        return List.copyOf(entries);
    }
}
