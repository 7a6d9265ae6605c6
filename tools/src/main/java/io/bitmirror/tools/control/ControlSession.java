package io.bitmirror.tools.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One control client's exchange, bounded in size and time: the request line is read without
 * blocking, at most {@link #MAX_LINE} bytes and for at most the idle time, and the answer is
 * written under the same kind of deadline. A client that sends nothing, half a line, or a line
 * with no end costs one session thread for a few seconds and 4 KiB, never the control thread.
 */
final class ControlSession {
    /** Longest request line, its newline included; a request is a small JSON object. */
    static final int MAX_LINE = 4096;

    private final SocketChannel ch;
    private final long idleMillis;

    ControlSession(SocketChannel ch, long idleMillis) {
        this.ch = ch;
        this.idleMillis = idleMillis;
    }

    /** Why no request line could be read; the message is the one-line error the client gets. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads one request line (without its newline).
     *
     * @return null when the client closed without sending anything
     * @throws BadRequest when the line is too long or does not come within the idle time
     */
    String readLine() throws IOException, BadRequest {
        ByteBuffer buf = ByteBuffer.allocate(MAX_LINE);
        long deadline = System.nanoTime() + idleMillis * 1_000_000L;
        try (Selector sel = Selector.open()) {
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            int scanned = 0;
            while (true) {
                for (int i = scanned; i < buf.position(); i++) {
                    if (buf.get(i) == '\n') {
                        return new String(buf.array(), 0, i, StandardCharsets.UTF_8);
                    }
                }
                scanned = buf.position();
                if (!buf.hasRemaining()) {
                    // Not read any further: the rest of a huge line is never held in memory.
                    throw new BadRequest("request line longer than " + MAX_LINE + " bytes");
                }
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new BadRequest(buf.position() == 0 ? "no request within " + idleMillis + " ms"
                            : "request line not ended within " + idleMillis + " ms");
                }
                sel.select(left);
                sel.selectedKeys().clear();
                int n = ch.read(buf);
                if (n < 0) {
                    if (buf.position() == 0) {
                        return null;
                    }
                    // A last line without a newline still counts, as the old reader took it.
                    return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
                }
            }
        }
    }

    /**
     * For a streaming reply: whether the client closed its end, waiting up to {@code millis}
     * (0: just look). Bytes the client sends meanwhile are read and dropped.
     */
    boolean peerClosed(long millis) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(256);
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try (Selector sel = Selector.open()) {
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            while (true) {
                sink.clear();
                int n;
                try {
                    n = ch.read(sink);
                } catch (IOException reset) {
                    return true;
                }
                if (n < 0) {
                    return true;
                }
                if (n > 0) {
                    continue;
                }
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                sel.select(left);
                sel.selectedKeys().clear();
            }
        }
    }

    /** Writes the whole answer, giving up (and leaving the close to the caller) after the idle time. */
    void write(String answer) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + idleMillis * 1_000_000L;
        try (Selector sel = Selector.open()) {
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_WRITE);
            while (b.hasRemaining()) {
                if (ch.write(b) > 0) {
                    continue;
                }
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new IOException("client did not read its answer within " + idleMillis + " ms");
                }
                sel.select(left);
                sel.selectedKeys().clear();
            }
        }
    }
}
