package io.bitmirror.raid.io;

import java.io.IOException;

/**
 * "Do this on every member of a mask, and say which failed": the one loop behind the member
 * fan-out's in-turn writes, the bitmap page writes to every copy and the superblock writes.
 * An error never stops the loop (the other members still get the request); what a failure means
 * (fail the member, fail the request) is the caller's decision, from the returned mask.
 *
 * <p>Allocation-free when {@code op} is a preallocated object (a field, not a lambda built per
 * call): the write path runs through here.
 */
public final class Broadcast {
    private Broadcast() {
    }

    /** The request for one member; {@code arg} is what it needs besides the member. */
    @FunctionalInterface
    public interface MemberOp<A> {
        void apply(int member, A arg) throws IOException;
    }

    /**
     * Runs {@code op} on each member of {@code mask}, lowest first.
     *
     * @param errors where member {@code m}'s error goes ({@code errors[m]}), for messages and
     *     causes; may be null
     * @return the mask of members whose request threw
     */
    public static <A> int toEach(int mask, MemberOp<A> op, A arg, Exception[] errors) {
        int failed = 0;
        for (int rest = mask; rest != 0; rest &= rest - 1) {
            int m = Integer.numberOfTrailingZeros(rest);
            try {
                op.apply(m, arg);
            } catch (IOException | RuntimeException e) {
                if (errors != null) {
                    errors[m] = e;
                }
                failed |= 1 << m;
            }
        }
        return failed;
    }
}
