package io.bitmirror.faults.crash;

import java.util.Arrays;

/**
 * One crash state: a crash point in the log and, for each member independently (members do not
 * lose power together), which of its volatile writes (completed after its last completed flush,
 * not FUA) survived: whole ({@link #WHOLE}) or torn (a 512-byte sector pattern).
 *
 * @param crashSeq everything up to this seq completed before the crash
 * @param kept per member, the seqs of the volatile writes that survived, ascending
 * @param masks per member, parallel to {@code kept}: sector {@code i} of the write landed when bit
 *     {@code i % 64} is set
 */
public record CrashState(long crashSeq, long[][] kept, long[][] masks) {
    /** Every sector landed. */
    public static final long WHOLE = -1L;

    /** The mask of {@code seq} on {@code member}, or 0 when it was lost. */
    public long maskOf(int member, long seq) {
        int i = Arrays.binarySearch(kept[member], seq);
        return i < 0 ? 0 : masks[member][i];
    }

    /** One line: the crash point and each member's surviving volatile writes ("~" = torn). */
    public String describe() {
        StringBuilder b = new StringBuilder("crash@").append(crashSeq);
        for (int m = 0; m < kept.length; m++) {
            b.append(" m").append(m).append("{");
            for (int i = 0; i < kept[m].length; i++) {
                b.append(i == 0 ? "" : ",").append('#').append(kept[m][i]);
                if (masks[m][i] != WHOLE) {
                    b.append("~").append(Long.toHexString(masks[m][i]));
                }
            }
            b.append("}");
        }
        return b.toString();
    }
}
