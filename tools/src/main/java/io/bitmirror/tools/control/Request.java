package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.bitmirror.raid.array.RaidArray;

import java.io.IOException;

/**
 * One request as a handler sees it: its arguments (the request object's other fields), the array
 * this server serves, and the connection, for a handler that streams.
 */
public final class Request {
    private final ObjectNode body;
    private final ControlServer server;
    private final ControlSession session;
    private ReplyStream stream;

    Request(ObjectNode body, ControlServer server, ControlSession session) {
        this.body = body;
        this.server = server;
        this.session = session;
    }

    /** The request's name, the value of {@code "request"}. */
    public String name() {
        return body.path("request").asText();
    }

    /** The whole request object, {@code "request"} included. */
    public ObjectNode args() {
        return body;
    }

    public RaidArray array() {
        return server.array();
    }

    /** The array's NBD export URI, or null. */
    public String exportUri() {
        return server.exportUri();
    }

    /** The server answering, for the server-wide hooks (stop, events). */
    public ControlServer server() {
        return server;
    }

    /** A string argument that must be there. */
    public String text(String key) throws RequestException {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) {
            throw new RequestException(name() + ": missing argument \"" + key + "\"");
        }
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw new RequestException(name() + ": argument \"" + key + "\" must be a non-empty string");
        }
        return v.asText();
    }

    /** A boolean argument, {@code false} when absent. */
    public boolean flag(String key) throws RequestException {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new RequestException(name() + ": argument \"" + key + "\" must be true or false");
        }
        return v.asBoolean();
    }

    /**
     * Keeps the connection for more than one line: writes {@code {"ok":true,"result":first}} now
     * and returns the stream to write further objects to, one per line. The handler then returns
     * null; the server closes the connection after that.
     */
    public ReplyStream stream(JsonNode first) throws IOException {
        if (stream != null) {
            throw new IllegalStateException("stream() called twice for " + name());
        }
        session.write(ControlJson.ok(first));
        stream = new ReplyStream(session);
        return stream;
    }

    boolean streamed() {
        return stream != null;
    }
}
