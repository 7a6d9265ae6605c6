package io.bitmirror.tools.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.bitmirror.tools.control.ControlClient;
import io.bitmirror.tools.control.ControlJson;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One array's event stream for {@code monitor}: the subscribe request on its control socket, each
 * event line handed to an {@link EventSink}. When the stream ends without DeviceDisappeared (the
 * server died), the watch says DeviceDisappeared itself: the array is gone either way, which is
 * what mdadm's monitor reports when it can no longer open an array.
 */
final class EventWatch {
    private final Path socket;
    private final ControlClient.Stream stream;
    private final String name;
    private final String uuid;
    private final PrintWriter err;

    private EventWatch(Path socket, ControlClient.Stream stream, PrintWriter err) {
        this.socket = socket;
        this.stream = stream;
        this.name = stream.result().path("name").asText("?");
        this.uuid = stream.result().path("uuid").asText("?");
        this.err = err;
    }

    /** Subscribes; the one-line error of the server (or of a socket nobody serves) as an exception. */
    static EventWatch open(Path socket, PrintWriter err) throws IOException {
        EventWatch w = new EventWatch(socket, ControlClient.open(socket, ControlJson.request("subscribe")), err);
        err.println("bitmirror: monitoring " + EventSink.mdDevice(w.name) + " (" + w.name + ") at " + socket);
        err.flush();
        return w;
    }

    /** Hands every event to {@code sink} until the array is gone; NewArray first when {@code announceNew}. */
    void run(EventSink sink, boolean announceNew) {
        try (ControlClient.Stream s = stream) {
            if (announceNew) {
                sink.handle(synthetic("NewArray"));
            }
            for (JsonNode e = next(); e != null; e = next()) {
                sink.handle(e);
                if ("DeviceDisappeared".equals(e.path("event").asText())) {
                    return;
                }
            }
            sink.handle(synthetic("DeviceDisappeared"));
        } catch (IOException e) {
            err.println("bitmirror: " + socket + ": " + e.getMessage());
            err.flush();
        }
    }

    private JsonNode next() {
        try {
            return stream.next();
        } catch (IOException gone) {
            // A reset connection or an interrupted read: the stream is over.
            return null;
        }
    }

    private ObjectNode synthetic(String event) {
        ObjectNode o = ControlJson.MAPPER.createObjectNode();
        o.put("event", event);
        o.put("time", Instant.now().toString());
        o.put("array", name);
        o.put("uuid", uuid);
        o.putNull("device");
        o.putNull("action");
        o.putNull("percent");
        o.putNull("mismatchBytes");
        o.putNull("lost");
        return o;
    }
}
