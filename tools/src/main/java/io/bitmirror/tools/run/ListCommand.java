package io.bitmirror.tools.run;

import io.bitmirror.tools.control.ControlClient;

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
            out.print("[");
            for (int i = 0; i < entries.size(); i++) {
                RunDirectory.Entry e = entries.get(i);
                String detail = detail(e, "detail-json");
                out.print((i > 0 ? "," : "") + "{\"name\":" + quote(e.name()) + ",\"uuid\":" + quote(e.uuid())
                        + ",\"pid\":" + e.pid() + ",\"export\":" + quote(e.export()) + ",\"control\":"
                        + (e.control() == null ? "null" : quote(e.control().toString())) + ",\"detail\":"
                        + (detail == null ? "null" : detail.trim()) + "}");
            }
            out.println("]");
            return 0;
        }
        if (entries.isEmpty()) {
            out.println("no running arrays in " + RunDirectory.locate());
        }
        for (RunDirectory.Entry e : entries) {
            String d = detail(e, "detail");
            String shortName = e.name().substring(e.name().indexOf(':') + 1);
            if (d == null) {
                out.println(shortName + " : not answering on " + e.control() + " (pid " + e.pid() + ")");
                continue;
            }
            StringBuilder members = new StringBuilder();
            String state = "?";
            String progress = null;
            boolean table = false;
            for (String line : d.split("\n")) {
                String t = line.trim();
                if (t.startsWith("Number")) {
                    table = true;
                } else if (table && !t.isEmpty()) {
                    // "slot  state  device": mdstat's "device[slot](F)"
                    String[] w = t.split("\\s+");
                    String flag = t.contains("faulty") ? "(F)" : t.contains("rebuilding") || t.contains("spare") ? "(S)"
                            : "";
                    members.append(' ').append(w[w.length - 1]).append('[').append(w[0]).append(']').append(flag);
                } else if (t.startsWith("State :")) {
                    state = t.substring(7).trim();
                } else if (t.startsWith("Resync Status :") || t.startsWith("Rebuild Status :")) {
                    progress = t;
                }
            }
            out.println(shortName + " : " + state + " raid1" + members);
            out.println("      uuid " + e.uuid() + ", pid " + e.pid() + ", export " + e.export() + ", control "
                    + e.control());
            if (progress != null) {
                out.println("      " + progress);
            }
        }
        return 0;
    }

    private static String detail(RunDirectory.Entry e, String request) {
        if (e.control() == null) {
            return null;
        }
        try {
            return ControlClient.request(e.control(), request);
        } catch (IOException | RuntimeException notAnswering) {
            return null;
        }
    }

    private static String quote(String s) {
        return io.bitmirror.tools.control.DetailFormatter.jsonString(s);
    }
}
