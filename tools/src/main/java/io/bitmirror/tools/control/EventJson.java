package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.bitmirror.raid.array.ArrayEvent;

/**
 * The event object of docs/CONTROL.md (Events): what a subscribe request streams, one per line.
 * {@code event}, {@code time} (ISO-8601, UTC), {@code array} and {@code uuid} are always there,
 * {@code device} is the member's path or null; {@code action} and {@code percent} are set for
 * the Rebuild events, {@code mismatchBytes} (md's mismatch_cnt × 512, as the detail object's
 * counters) for the RebuildFinished of a check or repair, {@code lost} for EventsLost; null
 * otherwise.
 */
public final class EventJson {
    private EventJson() {
    }

    public static ObjectNode of(ArrayEvent e) {
        ObjectNode o = ControlJson.MAPPER.createObjectNode();
        o.put("event", e.event());
        o.put("time", e.time().toString());
        o.put("array", e.array());
        o.put("uuid", e.uuid());
        if (e.device() != null) {
            o.put("device", e.device().toString());
        } else {
            o.putNull("device");
        }
        // Absent facts are null, never left out (docs/CONTROL.md).
        if (e.action() != null) {
            o.put("action", e.action());
            o.put("percent", e.percent());
        } else {
            o.putNull("action");
            o.putNull("percent");
        }
        if (e.mismatchSectors() >= 0) {
            o.put("mismatchBytes", e.mismatchSectors() * 512);
        } else {
            o.putNull("mismatchBytes");
        }
        if (ArrayEvent.EVENTS_LOST.equals(e.event())) {
            o.put("lost", e.lost());
        } else {
            o.putNull("lost");
        }
        return o;
    }
}
