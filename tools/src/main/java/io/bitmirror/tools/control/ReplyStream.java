package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/**
 * The lines after the first of a streaming reply (a subscription's events): each
 * {@link #send} is one JSON object on one line. A write the client does not take within the
 * server's idle time fails with an {@link IOException}, so a client that stops reading is dropped
 * rather than holding the server.
 */
public final class ReplyStream {
    private final ControlSession session;

    ReplyStream(ControlSession session) {
        this.session = session;
    }

    /** Writes one object as one line. */
    public void send(JsonNode line) throws IOException {
        session.write(ControlJson.line(line));
    }

    /** True once the client closed its end (anything else it sends is ignored); does not block. */
    public boolean clientClosed() throws IOException {
        return session.peerClosed(0);
    }

    /** Waits up to {@code millis} for the client to close; true if it did. */
    public boolean awaitClientClosed(long millis) throws IOException {
        return session.peerClosed(millis);
    }
}
