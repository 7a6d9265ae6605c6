package io.bitmirror.tools.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.bitmirror.tools.control.ControlClient;
import io.bitmirror.tools.control.ControlJson;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror list}: the running arrays of the run directory, like /proc/mdstat: name,
 * state, members with their states, resync or recovery progress, each asked of the array over
 * its control socket. Stale entries (dead pid) are removed and said so on stderr.
 */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Show the running arrays (as /proc/mdstat), from $BITMIRROR_RUN_DIR or /run/bitmirror.")
public final class ListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "One JSON array of {name, uuid, pid, export, control, detail}.")
    boolean json;

    @Option(names = "--config", paramLabel = "FILE", description = "Config file whose bitmap records are checked "
            + "(default: $BITMIRROR_CONF or /etc/bitmirror/bitmirror.conf).")
    java.nio.file.Path config;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        java.nio.file.Path conf = io.bitmirror.bitmapfile.config.ConfigFile.locate(config);
        if (java.nio.file.Files.exists(conf)) {
            // The records bitmirror wrote by itself: one whose file is gone is said, not hidden.
            io.bitmirror.tools.scan.ConfigSelection.warnGoneBitmaps(io.bitmirror.bitmapfile.config.ConfigFile.read(conf),
                    w -> err.println("bitmirror: warning: " + w));
        }
        List<RunDirectory.Entry> entries = RunDirectory.running(e -> err.println("bitmirror: removed stale entry of "
                + e.name() + " (pid " + e.pid() + " is gone)"));
        if (json) {
            ArrayNode all = ControlJson.MAPPER.createArrayNode();
            for (RunDirectory.Entry e : entries) {
                ObjectNode o = all.addObject();
                o.put("name", e.name());
                o.put("uuid", e.uuid());
                o.put("pid", e.pid());
                o.put("export", e.export());
                o.put("control", e.control() == null ? null : e.control().toString());
                // The detail request's own object, the schema of detail --json; null if it does not answer.
                o.set("detail", detail(e));
            }
            out.print(ControlJson.line(all));
            return 0;
        }
        if (entries.isEmpty()) {
            out.println("no running arrays in " + RunDirectory.locate());
        }
        for (RunDirectory.Entry e : entries) {
            JsonNode d = detail(e);
            String shortName = e.name().substring(e.name().indexOf(':') + 1);
            if (d.isNull()) {
                out.println(shortName + " : not answering on " + e.control() + " (pid " + e.pid() + ")");
                continue;
            }
            StringBuilder members = new StringBuilder();
            for (JsonNode m : d.path("members")) {
                if (!m.hasNonNull("device")) {
                    continue;
                }
                // mdstat's "device[slot](F)": (F) faulty, (S) spare (a rebuilding member too)
                String st = m.path("state").toString();
                String flag = st.contains("faulty") ? "(F)" : st.contains("spare") ? "(S)" : "";
                members.append(' ').append(m.path("device").asText()).append('[').append(m.path("slot").asInt())
                        .append(']').append(flag);
            }
            StringBuilder state = new StringBuilder(d.path("state").asText());
            d.path("flags").forEach(f -> state.append(", ").append(f.asText()));
            out.println(shortName + " : " + state + " raid1" + members);
            out.println("      uuid " + e.uuid() + ", pid " + e.pid() + ", export " + e.export() + ", control "
                    + e.control());
            JsonNode sync = d.path("sync");
            String action = sync.path("action").asText("idle");
            if (action.equals("resync") || action.equals("recovery")) {
                out.println("      " + (action.equals("resync") ? "Resync" : "Rebuild") + " Status : "
                        + (long) sync.path("percent").asDouble() + "% complete");
            }
        }
        return 0;
    }

    private static JsonNode detail(RunDirectory.Entry e) {
        if (e.control() == null) {
            return NullNode.getInstance();
        }
        try {
            return ControlClient.request(e.control(), "detail");
        } catch (IOException | RuntimeException notAnswering) {
            return NullNode.getInstance();
        }
    }
}
