package io.bitmirror.tools.control;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** The event object of docs/CONTROL.md: one line, every field present, nulls included. */
class EventJsonTest {
    @Test
    void eventsAreOneLineWithEveryField() {
        Instant t = Instant.parse("2026-12-03T07:00:00.250Z");
        assertEquals("{\"time\":\"2026-12-03T07:00:00Z\",\"event\":\"Fail\",\"array\":\"h:web\",\"uuid\":\"u\","
                + "\"device\":\"/a\\nb\",\"percent\":null}\n",
                ControlJson.line(EventJson.of(t, "Fail", "h:web", "u", "/a\nb", null)));
        assertEquals("{\"time\":\"2026-12-03T07:00:00Z\",\"event\":\"Rebuild20\",\"array\":\"h:web\",\"uuid\":\"u\","
                + "\"device\":null,\"percent\":20}\n",
                ControlJson.line(EventJson.of(t, "Rebuild20", "h:web", "u", null, 20)));
    }
}
