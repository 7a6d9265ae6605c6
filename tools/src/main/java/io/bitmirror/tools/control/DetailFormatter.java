package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;

import io.bitmirror.raid.array.ArrayStatus;
import io.bitmirror.tools.examine.MdadmText;

import java.util.Locale;

/**
 * The detail view, laid out like {@code mdadm --detail} plus md's /proc/mdstat progress line.
 * While a resync, recovery, check or repair runs the text says so (with a bar, speed and ETA); a
 * read-only array that was not stopped cleanly says {@code resync=PENDING}; otherwise the words
 * resync and recovery do not appear. The mismatch count (md's mismatch_cnt)
 * is always shown.
 */
public final class DetailFormatter {
    private DetailFormatter() {
    }

    /** The text of a snapshot, through the same detail object the JSON view gives. */
    public static String text(ArrayStatus s, String exportUri) {
        return text(DetailJson.of(s, exportUri));
    }

    /** The text view of a detail object (docs/CONTROL.md). */
    public static String text(JsonNode d) {
        StringBuilder b = new StringBuilder();
        line(b, "Version", d.path("metadataVersion").asText());
        time(b, "Creation Time", d.path("creationTime"));
        line(b, "Raid Level", d.path("raidLevel").asText());
        long size = d.path("arraySizeBytes").asLong();
        line(b, "Array Size", size / 1024 + " KiB" + MdadmText.humanSize(size));
        if (d.hasNonNull("usedDevSizeBytes")) {
            long used = d.path("usedDevSizeBytes").asLong();
            line(b, "Used Dev Size", used / 1024 + " KiB" + MdadmText.humanSize(used));
        }
        line(b, "Raid Devices", d.path("raidDevices").asText());
        line(b, "Total Devices", d.path("totalDevices").asText());
        line(b, "Persistence", "Superblock is persistent");
        b.append('\n');
        opt(b, "Intent Bitmap", d.path("intentBitmap"));
        time(b, "Update Time", d.path("updateTime"));
        StringBuilder state = new StringBuilder(d.path("state").asText());
        d.path("flags").forEach(f -> state.append(", ").append(f.asText()));
        line(b, "State", state.toString());
        line(b, "Active Devices", d.path("activeDevices").asText());
        line(b, "Working Devices", d.path("workingDevices").asText());
        line(b, "Failed Devices", d.path("failedDevices").asText());
        line(b, "Spare Devices", d.path("spareDevices").asText());
        b.append('\n');
        line(b, "Consistency Policy", d.path("consistencyPolicy").asText());
        if (d.hasNonNull("memberIo")) {
            line(b, "Member I/O", d.path("memberIo").asText());
        }
        if (d.hasNonNull("cache")) {
            line(b, "Cache Mode", d.path("cache").asText());
        }
        JsonNode bm = d.path("bitmap");
        if (bm.isObject()) {
            long chunks = bm.path("chunks").asLong();
            long dirty = bm.path("dirtyChunks").asLong();
            line(b, "Bitmap", String.format(Locale.ROOT, "%d chunks of %s, %d dirty (%s%%)", chunks,
                    MdadmText.chunksize(bm.path("chunkBytes").asLong()), dirty,
                    MdadmText.percent1(100.0 * dirty / chunks)));
            line(b, "Bitmap Flushes", String.format(Locale.ROOT, "%d page writes in %d group commits",
                    bm.path("pageWrites").asLong(), bm.path("groupCommits").asLong()));
            for (JsonNode t : bm.path("changeBitmaps")) {
                line(b, "Changes " + t.path("name").asText(), String.format(Locale.ROOT, "%d chunks changed%s",
                        t.path("dirtyChunks").asLong(), t.path("inconsistent").asBoolean() ? " (inconsistent)" : ""));
            }
        }
        JsonNode sync = d.path("sync");
        String action = sync.path("action").asText("idle");
        if (!"idle".equals(action)) {
            double pct = sync.path("percent").asDouble();
            line(b, statusLabel(action), String.format(Locale.ROOT, "%d%% complete", (long) pct));
            b.append(progress(sync)).append('\n');
        } else if (sync.path("resyncPending").asBoolean()) {
            // Read-only and not stopped cleanly: what /proc/mdstat says of such an array.
            line(b, "Resync Status", "PENDING (read-only: it runs at the next read-write assembly)");
            b.append("      resync=PENDING\n");
        }
        b.append('\n');
        line(b, "Name", d.path("name").asText());
        line(b, "UUID", d.path("uuid").asText());
        line(b, "Events", d.path("events").asText());
        JsonNode c = d.path("counters");
        // md's mismatch_cnt, always shown (as the sysfs file always exists), in its unit
        // (sectors): 0 until a check or repair finds differing blocks, then what the last one found.
        line(b, "Mismatch Count", String.valueOf(c.path("mismatchBytes").asLong() / 512));
        if (c.path("copiedChunks").asLong() > 0) {
            line(b, "Copied", String.format(Locale.ROOT, "%d chunks, %d KiB since assembly",
                    c.path("copiedChunks").asLong(), c.path("copiedBytes").asLong() / 1024));
        }
        // Not an mdadm line (md keeps such counts in /proc/diskstats): ours, after mdadm's.
        line(b, "I/O", String.format(Locale.ROOT, "%d reads (%d KiB), %d writes (%d KiB), %d trims (%d KiB), %d flushes",
                c.path("reads").asLong(), c.path("readBytes").asLong() / 1024, c.path("writes").asLong(),
                c.path("writeBytes").asLong() / 1024, c.path("trims").asLong(), c.path("trimBytes").asLong() / 1024,
                c.path("flushes").asLong()));
        if (d.hasNonNull("export")) {
            line(b, "Export", d.path("export").asText());
        }
        if (c.path("writesBehind").asLong() > 0) {
            line(b, "Writes Behind", c.path("writesBehind").asText());
        }
        b.append('\n');
        b.append("    Number   RaidDevice State\n");
        for (JsonNode m : d.path("members")) {
            StringBuilder st = new StringBuilder();
            m.path("state").forEach(w -> st.append(st.length() == 0 ? "" : " ").append(w.asText()));
            String dev = m.hasNonNull("device") ? m.path("device").asText() : "";
            if (m.hasNonNull("major")) {
                dev = m.path("major").asText() + ":" + m.path("minor").asText() + "  " + dev;
            }
            b.append(String.format(Locale.ROOT, "    %6s   %10s %-20s %s%n", dash(m.path("number")),
                    dash(m.path("raidDevice")), st, dev).stripTrailing()).append('\n');
        }
        if (d.path("links").size() > 0) {
            // Not mdadm's (md has no links): DRBD's connection state, one line per remote member.
            b.append('\n').append("    Remote Links\n");
            for (JsonNode l : d.path("links")) {
                StringBuilder st = new StringBuilder(l.path("state").asText());
                if (l.has("percent")) {
                    st.append(' ').append(l.path("percent").asText()).append('%');
                }
                st.append(" since ").append(MdadmText.ctime(java.time.Instant.parse(l.path("since").asText())
                        .getEpochSecond()));
                if (l.hasNonNull("lastError")) {
                    st.append(" (attempt ").append(l.path("attempts").asInt()).append(": ")
                            .append(l.path("lastError").asText()).append(')');
                }
                b.append("       ").append(l.path("device").asText()).append("  ").append(st).append('\n');
            }
        }
        return b.toString();
    }

    private static String dash(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? "-" : n.asText();
    }

    /** An ISO-8601 instant of the detail object, in mdadm's ctime(3) form and the local zone. */
    private static void time(StringBuilder b, String key, JsonNode v) {
        if (v.isTextual()) {
            line(b, key, MdadmText.ctime(java.time.Instant.parse(v.asText()).getEpochSecond()));
        }
    }

    private static void opt(StringBuilder b, String key, JsonNode v) {
        if (v.isTextual()) {
            line(b, key, v.asText());
        }
    }

    /**
     * mdadm's "... Status" label. mdadm says Resync for a repair (mdstat shows a repair as resync);
     * here a repair is called what sync_action calls it.
     */
    private static String statusLabel(String action) {
        switch (action) {
            case "resync": return "Resync Status";
            case "check": return "Check Status";
            case "repair": return "Repair Status";
            default: return "Rebuild Status";
        }
    }

    /** md's progress line: {@code [====>......]  resync = 45.1% (x/y) finish=0.3min speed=1000K/sec}. */
    static String progress(JsonNode sync) {
        double pct = sync.path("percent").asDouble();
        int width = 20;
        int filled = (int) Math.min(width - 1, pct * width / 100);
        StringBuilder bar = new StringBuilder("      [");
        for (int i = 0; i < width; i++) {
            bar.append(i < filled ? '=' : i == filled ? '>' : '.');
        }
        bar.append("]  ");
        double finishMin = sync.path("etaSeconds").asLong(0) / 60.0;
        bar.append(String.format(Locale.ROOT, "%s = %.1f%% (%d/%d) finish=%.1fmin speed=%dK/sec",
                sync.path("action").asText(), pct, sync.path("doneBytes").asLong() / 1024,
                sync.path("totalBytes").asLong() / 1024, finishMin, sync.path("speedBytesPerSecond").asLong() / 1024));
        return bar.toString();
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(String.format(Locale.ROOT, "%18s : %s%n", key, value));
    }
}
