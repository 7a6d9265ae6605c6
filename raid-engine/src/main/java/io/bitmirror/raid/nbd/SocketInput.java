package io.bitmirror.raid.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * The receiving side of a connection, buffered: one {@code read} brings in as many requests as
 * the client has sent (at queue depth 32, often all of them), instead of two system calls per
 * request (header, then payload). Payloads larger than what is buffered are read straight into
 * their destination, so a 1 MiB write is not copied twice.
 *
 * <p>Before a read that may block waiting for a new request, {@link #beforeRead} runs: the reader
 * sends the replies it has batched, because the client may be waiting for them before it sends
 * more. Only the rest of a request already begun is read without it ({@link #needRest}).
 */
final class SocketInput {
    private final ReadableByteChannel ch;
    /** Bytes received and not yet taken lie in [position, limit). */
    private final ByteBuffer buf;
    private final Runnable beforeRead;

    SocketInput(ReadableByteChannel ch, int capacity, Runnable beforeRead) {
        this.ch = ch;
        this.buf = ByteBuffer.allocateDirect(capacity);
        this.buf.limit(0);
        this.beforeRead = beforeRead;
    }

    /** The buffer; {@link #need} guarantees its next bytes start at {@code position()}. */
    ByteBuffer buffer() {
        return buf;
    }

    /**
     * Makes at least {@code n} bytes ({@code n} at most the capacity) available from
     * {@code buffer().position()}.
     *
     * @return false at end of stream
     */
    boolean need(int n) throws IOException {
        return need(n, true);
    }

    /**
     * As {@link #need}, for the rest of a request whose header has arrived (a small write's
     * payload), without {@link #beforeRead}: the client sends a payload right behind its header
     * and waits for no reply in between, so the batched replies can wait for the next header's
     * read and go out with more of their kind. Over TLS a client's header and payload are two
     * records, often two reads: sending the batch at each cost a reply record and a wake-up of
     * the client per request (docs/BENCHMARKS.md, TLS).
     */
    boolean needRest(int n) throws IOException {
        return need(n, false);
    }

    private boolean need(int n, boolean flushFirst) throws IOException {
        if (buf.remaining() >= n) {
            return true;
        }
        buf.compact();
        try {
            while (buf.position() < n) {
                if (flushFirst) {
                    beforeRead.run();
                }
                if (ch.read(buf) < 0) {
                    return false;
                }
            }
        } finally {
            buf.flip();
        }
        return true;
    }

    /** Takes {@code n} bytes already made available by {@link #need}. */
    void consume(int n) {
        buf.position(buf.position() + n);
    }

    /** True when no byte is buffered: the next {@link #need} reads from the socket. */
    boolean drained() {
        return !buf.hasRemaining();
    }

    /**
     * Fills {@code dst} to its limit: buffered bytes first, the rest straight from the socket.
     *
     * @return false at end of stream
     */
    boolean readInto(ByteBuffer dst) throws IOException {
        int have = Math.min(buf.remaining(), dst.remaining());
        if (have > 0) {
            int lim = buf.limit();
            buf.limit(buf.position() + have);
            dst.put(buf);
            buf.limit(lim);
        }
        while (dst.hasRemaining()) {
            beforeRead.run();
            if (ch.read(dst) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Discards {@code n} bytes (the payload of a refused write).
     *
     * @return false at end of stream
     */
    boolean skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            if (drained() && !need(1)) {
                return false;
            }
            int take = (int) Math.min(left, buf.remaining());
            consume(take);
            left -= take;
        }
        return true;
    }
}
