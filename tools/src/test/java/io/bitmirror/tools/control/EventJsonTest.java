package io.bitmirror.tools.control;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.array.ArrayEvent;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.tools.TestArrays;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event object of docs/CONTROL.md, from events a real array emits: one line, every field
 * present (absent facts null, never left out), the device as its path.
 */
class EventJsonTest {
    @TempDir
    Path dir;

    @Test
    void failAndRebuildEventsAreOneLineWithEveryField() throws Exception {
        List<Path> m = TestArrays.array(dir, "evj", "--bitmap=none");
        LinkedBlockingQueue<ArrayEvent> seen = new LinkedBlockingQueue<>();
        try (RaidArray a = RaidArray.assemble(AssembleOptions.builder(m.get(0), m.get(1)).build())) {
            a.subscribe(seen::add);
            a.fail(m.get(1));
            ArrayEvent fail = next(seen, ArrayEvent.FAIL);
            String line = ControlJson.line(EventJson.of(fail));
            assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, line);
            assertTrue(line.matches("\\{\"event\":\"Fail\",\"time\":\"\\d{4}-\\d\\d-\\d\\dT[^\"]+Z\",\"array\":\"[^\"]*:evj\","
                    + "\"uuid\":\"[0-9a-f:]+\",\"device\":\"" + java.util.regex.Pattern.quote(m.get(1).toString())
                    + "\",\"action\":null,\"percent\":null,\"mismatchBytes\":null,\"lost\":null\\}\n"), line);
            a.remove(m.get(1));
            a.reAdd(m.get(1));
            ArrayEvent started = next(seen, ArrayEvent.REBUILD_STARTED);
            String s = ControlJson.line(EventJson.of(started));
            assertTrue(s.contains("\"device\":null,\"action\":\"recovery\",\"percent\":0,\"mismatchBytes\":null"), s);
        }
    }

    private static ArrayEvent next(LinkedBlockingQueue<ArrayEvent> q, String name) throws InterruptedException {
        while (true) {
            ArrayEvent e = q.poll(30, TimeUnit.SECONDS);
            assertNotNull(e, "no " + name + " event");
            if (e.event().equals(name)) {
                return e;
            }
        }
    }
}
