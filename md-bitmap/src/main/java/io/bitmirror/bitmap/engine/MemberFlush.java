package io.bitmirror.bitmap.engine;

import java.io.IOException;

/**
 * How the daemon makes the members' completed data writes durable itself before it clears bits:
 * bitmirror's counterpart of the preflush that md puts on every bitmap page write. Without it a
 * chunk's bit could only be cleared after somebody else (a client FLUSH) flushed the members, and
 * an array whose clients never flush would keep every bit set while it runs (L1).
 *
 * <p>The implementation must take a {@link WriteIntentBitmap#flushTicket()} before it flushes
 * every member and report it with {@link WriteIntentBitmap#membersFlushed(long)} after (RaidArray's
 * flush does both): the daemon trusts only the ticket, never a return value (W2).
 */
@FunctionalInterface
public interface MemberFlush {
    /** Flushes every member (fdatasync); runs on the daemon thread and allocates nothing. */
    void flushMembers() throws IOException;
}
