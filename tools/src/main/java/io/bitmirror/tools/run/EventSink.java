package io.bitmirror.tools.run;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code monitor} does with one event: runs the program with mdadm's arguments (EVENT,
 * {@code /dev/md/NAME}, the member device when there is one), waiting for it as mdadm does, or
 * prints one line: {@code TIME: EVENT on /dev/md/NAME [DEVICE]}. One event at a time, also when
 * --scan watches several arrays.
 */
final class EventSink {
    private final String program;
    private final PrintWriter out;
    private final PrintWriter err;

    EventSink(String program, PrintWriter out, PrintWriter err) {
        this.program = program;
        this.out = out;
        this.err = err;
    }

    /** mdadm's name for an array called HOST:NAME or NAME: /dev/md/NAME. */
    static String mdDevice(String arrayName) {
        return "/dev/md/" + arrayName.substring(arrayName.indexOf(':') + 1);
    }

    synchronized void handle(JsonNode e) {
        String event = e.path("event").asText();
        String md = mdDevice(e.path("array").asText("?"));
        String device = e.path("device").isTextual() ? e.path("device").asText() : null;
        if (program == null) {
            StringBuilder b = new StringBuilder(e.path("time").asText()).append(": ").append(event).append(" on ")
                    .append(md);
            if (device != null) {
                b.append(' ').append(device);
            }
            if (e.path("percent").isNumber()) {
                b.append(" (").append(e.path("action").asText()).append(' ').append(e.path("percent").asInt())
                        .append("%)");
            }
            if (e.path("lost").isNumber()) {
                b.append(": ").append(e.path("lost").asLong()).append(" events lost");
            }
            out.println(b);
            out.flush();
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(program, event, md));
        if (device != null) {
            cmd.add(device);
        }
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            p.waitFor();
        } catch (IOException ex) {
            err.println("bitmirror: --program " + program + ": " + ex.getMessage());
            err.flush();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
