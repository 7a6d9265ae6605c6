package io.bitmirror.faults.record;

/**
 * One completed operation on one member.
 *
 * @param seq global completion order (1, 2, ...) across all members
 * @param member member index (position in the device list given to assemble)
 * @param kind what completed
 * @param position byte offset on the member device (raw: metadata and data areas alike)
 * @param data the bytes written (trims: zeroes, as a trimmed range reads back on a FileMemberDevice, punched or written); null for a flush
 * @param fua durable when it completed
 * @param covers for a flush: the highest seq of this member's writes that had completed when the
 *     flush was issued; those, and only those, are durable once the flush completed
 */
public record LogEntry(long seq, int member, Kind kind, long position, byte[] data, boolean fua, long covers) {

    /** Operation kinds. */
    public enum Kind { WRITE, TRIM, FLUSH }

    public boolean isWrite() {
        return kind != Kind.FLUSH;
    }

    /** Length in bytes (0 for a flush). */
    public int length() {
        return data == null ? 0 : data.length;
    }

    /** Short form for violation reports. */
    @Override
    public String toString() {
        return kind == Kind.FLUSH ? "#" + seq + " m" + member + " flush"
                : "#" + seq + " m" + member + " " + kind.name().toLowerCase() + " @" + position + "+" + length()
                        + (fua ? " fua" : "");
    }
}
