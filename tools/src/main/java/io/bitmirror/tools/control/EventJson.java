package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * The event object of docs/CONTROL.md, one per line of a subscription and of {@code monitor}:
 * {@code {"time","event","array","uuid","device","percent"}}, every field always present.
 */
public final class EventJson {
    private EventJson() {
    }

    /**
     * @param event mdadm's --monitor event name (Fail, DegradedArray, Rebuild20 ...)
     * @param device the member it is about, or null
     * @param percent for RebuildNN, else null
     */
    public static ObjectNode of(Instant time, String event, String array, String uuid, String device,
            Integer percent) {
        ObjectNode o = ControlJson.MAPPER.createObjectNode();
        // Whole seconds, UTC, as the detail object's times.
        o.put("time", Instant.ofEpochSecond(time.getEpochSecond()).toString());
        o.put("event", event);
        o.put("array", array);
        o.put("uuid", uuid);
        o.put("device", device);
        if (percent == null) {
            o.putNull("percent");
        } else {
            o.put("percent", percent);
        }
        return o;
    }
}
