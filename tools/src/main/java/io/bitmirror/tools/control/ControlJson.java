package io.bitmirror.tools.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The control protocol's one JSON mapper and its line shapes: every request, reply and streamed
 * event is one compact JSON object on one line (Jackson escapes newlines inside strings, so a
 * line is always a whole object).
 */
public final class ControlJson {
    /** Thread-safe once configured; shared by server, client and the commands. */
    public static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

    private ControlJson() {
    }

    /** {@code {"request":name}}, to add arguments to. */
    public static ObjectNode request(String name) {
        return MAPPER.createObjectNode().put("request", name);
    }

    /** {@code {"ok":true,"result":result}} and its newline. */
    static String ok(JsonNode result) {
        ObjectNode o = MAPPER.createObjectNode().put("ok", true);
        o.set("result", result);
        return line(o);
    }

    /** {@code {"ok":false,"error":message}} and its newline; the message is cut to its first line. */
    static String error(String message) {
        return line(MAPPER.createObjectNode().put("ok", false).put("error", oneLine(message)));
    }

    /** One object as one line, newline included. */
    public static String line(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            // A tree of nodes always serializes; this would be a bug in Jackson.
            throw new IllegalStateException(e);
        }
    }

    /** The first line of a message ("failed" for none), as every error on this socket is one line. */
    static String oneLine(String s) {
        if (s == null || s.isBlank()) {
            return "failed";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
