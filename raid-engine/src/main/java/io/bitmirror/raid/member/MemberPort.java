package io.bitmirror.raid.member;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A member that takes requests asynchronously by itself: a remote member, whose requests are
 * pipelined on its connections. The fan-out hands such a member's requests to its port instead
 * of to an I/O thread or the kernel, and many are in flight at once (a remote leg at queue depth
 * 1 would cost a round trip per write).
 *
 * <p>Contract: every submit ends exactly once, through {@code done.ended(tag, ok)}, on the port's
 * own thread, or on the submitting thread before the submit returns when it fails at once (the
 * connection is down). The buffer is the caller's again only after that. A submit may wait while
 * the port's queue is full. A closed port ends everything outstanding with {@code ok == false}.
 * Nothing is allocated per request.
 */
public interface MemberPort {

    /** How a request ends. */
    @FunctionalInterface
    interface Done {
        /**
         * @param tag the submitter's tag, as given
         * @param ok false when the request failed (an error reply, a lost connection)
         */
        void ended(long tag, boolean ok);
    }

    /** Reads {@code dst.remaining()} bytes at {@code position} into {@code dst}. */
    void submitRead(long position, ByteBuffer dst, long tag, Done done);

    /** Writes all of {@code src} at {@code position}; with {@code fua} durable when it ends. */
    void submitWrite(long position, ByteBuffer src, boolean fua, long tag, Done done);

    /** Makes every write that ended before this was submitted durable. */
    void submitFlush(long tag, Done done);

    /** Discards {@code [position, position + length)}: it reads back as zeroes. */
    void submitTrim(long position, long length, long tag, Done done);

    /** Why the last request failed, for messages (not on the I/O path), or null. */
    IOException lastError();
}
