package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/**
 * {@code {"request":"stop"}}: mdadm --stop. Answered only once the array is stopped (drained,
 * flushed, marked clean), so the client's return means the array is down.
 */
final class StopRequest implements RequestHandler {
    @Override
    public String name() {
        return "stop";
    }

    @Override
    public boolean serializedWithManage() {
        // Not under the manage lock: a stop must not wait behind a long add, and the runner's
        // stop drains whatever runs.
        return false;
    }

    @Override
    public JsonNode handle(Request r) throws IOException {
        return ControlJson.MAPPER.createObjectNode().put("message", r.server().stopArray());
    }
}
