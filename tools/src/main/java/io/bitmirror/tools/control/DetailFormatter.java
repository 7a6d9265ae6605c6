package io.bitmirror.tools.control;

import io.bitmirror.raid.array.ArrayStatus;
import io.bitmirror.raid.array.MemberState;
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

    public static String text(ArrayStatus s, String exportUri) {
        StringBuilder b = new StringBuilder();
        line(b, "Version", s.metadataVersion());
        line(b, "Array UUID", s.uuid());
        line(b, "Name", s.name());
        line(b, "Raid Level", "raid1");
        line(b, "Array Size", s.sizeBytes() / 1024 + " KiB" + MdadmText.humanSize(s.sizeBytes()));
        line(b, "Raid Devices", String.valueOf(s.raidDisks()));
        long active = s.members().stream().filter(m -> m.state() == MemberState.IN_SYNC).count();
        long failed = s.members().stream().filter(m -> m.state() == MemberState.FAULTY).count();
        line(b, "Active Devices", String.valueOf(active));
        line(b, "Failed Devices", String.valueOf(failed));
        line(b, "State", s.state());
        line(b, "Events", String.valueOf(s.events()));
        line(b, "Consistency Policy", s.bitmapChunks() > 0 ? "bitmap" : "none");
        if (s.bitmapChunks() > 0) {
            line(b, "Bitmap", String.format(Locale.ROOT, "%d chunks of %s, %d dirty (%s%%)", s.bitmapChunks(),
                    MdadmText.chunksize(s.bitmapChunkBytes()), s.dirtyChunks(),
                    MdadmText.percent1(100.0 * s.dirtyChunks() / s.bitmapChunks())));
            line(b, "Bitmap Flushes", String.format(Locale.ROOT, "%d page writes in %d group commits",
                    s.bitmapPageWrites(), s.bitmapEpochs()));
        }
        if (!"idle".equals(s.syncAction())) {
            String label = statusLabel(s.syncAction());
            double pct = s.syncTotalSectors() == 0 ? 0 : 100.0 * s.syncDoneSectors() / s.syncTotalSectors();
            line(b, label, String.format(Locale.ROOT, "%d%% complete", (long) pct));
            b.append(progress(s, pct)).append('\n');
        } else if (s.resyncPending()) {
            // Read-only and not stopped cleanly: what /proc/mdstat says of such an array.
            line(b, "Resync Status", "PENDING (read-only: it runs at the next read-write assembly)");
            b.append("      resync=PENDING\n");
        }
        // md's mismatch_cnt, always shown (as the sysfs file always exists): 0 until a check or
        // repair finds differing blocks, then what the last one found, until the next starts.
        line(b, "Mismatch Count", String.valueOf(s.mismatchSectors()));
        if (s.resyncedChunks() > 0) {
            line(b, "Copied", String.format(Locale.ROOT, "%d chunks, %d KiB since assembly", s.resyncedChunks(),
                    s.resyncedBytes() / 1024));
        }
        if (exportUri != null) {
            line(b, "Export", exportUri);
        }
        b.append('\n');
        b.append("    Number   State             Device\n");
        for (ArrayStatus.Member m : s.members()) {
            b.append(String.format(Locale.ROOT, "    %4d     %-16s  %s%n", m.slot(), state(m), m.device() == null ? "-"
                    : m.device()));
        }
        return b.toString();
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

    private static String state(ArrayStatus.Member m) {
        String w = m.writeMostly() ? " writemostly" : "";
        switch (m.state()) {
            case IN_SYNC: return "active sync" + w;
            case RECOVERING: return "spare rebuilding";
            case FAULTY: return "faulty";
            default: return "removed";
        }
    }

    /** md's progress line: {@code [====>......]  resync = 45.1% (x/y) finish=0.3min speed=1000K/sec}. */
    static String progress(ArrayStatus s, double pct) {
        int width = 20;
        int filled = (int) Math.min(width - 1, pct * width / 100);
        StringBuilder bar = new StringBuilder("      [");
        for (int i = 0; i < width; i++) {
            bar.append(i < filled ? '=' : i == filled ? '>' : '.');
        }
        bar.append("]  ");
        long leftKiB = (s.syncTotalSectors() - s.syncDoneSectors()) / 2;
        double finishMin = s.syncSpeedKiB() <= 0 ? 0 : leftKiB / (double) s.syncSpeedKiB() / 60.0;
        bar.append(String.format(Locale.ROOT, "%s = %.1f%% (%d/%d) finish=%.1fmin speed=%dK/sec", s.syncAction(), pct,
                s.syncDoneSectors() / 2, s.syncTotalSectors() / 2, finishMin, s.syncSpeedKiB()));
        return bar.toString();
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(String.format(Locale.ROOT, "%18s : %s%n", key, value));
    }

    /** The same as JSON, for scripts. */
    public static String json(ArrayStatus s, String exportUri) {
        StringBuilder b = new StringBuilder("{");
        kv(b, "uuid", s.uuid()).append(',');
        kv(b, "name", s.name()).append(',');
        kv(b, "metadata_version", s.metadataVersion()).append(',');
        b.append("\"size_bytes\":").append(s.sizeBytes()).append(',');
        b.append("\"raid_disks\":").append(s.raidDisks()).append(',');
        kv(b, "state", s.state()).append(',');
        b.append("\"degraded\":").append(s.degraded()).append(',');
        b.append("\"events\":").append(s.events()).append(',');
        kv(b, "sync_action", s.syncAction()).append(',');
        b.append("\"sync_done_sectors\":").append(s.syncDoneSectors()).append(',');
        b.append("\"sync_total_sectors\":").append(s.syncTotalSectors()).append(',');
        b.append("\"sync_speed_kib\":").append(s.syncSpeedKiB()).append(',');
        b.append("\"bitmap_chunks\":").append(s.bitmapChunks()).append(',');
        b.append("\"bitmap_chunk_bytes\":").append(s.bitmapChunkBytes()).append(',');
        b.append("\"dirty_chunks\":").append(s.dirtyChunks()).append(',');
        b.append("\"bitmap_page_writes\":").append(s.bitmapPageWrites()).append(',');
        b.append("\"bitmap_group_commits\":").append(s.bitmapEpochs()).append(',');
        b.append("\"copied_chunks\":").append(s.resyncedChunks()).append(',');
        b.append("\"copied_bytes\":").append(s.resyncedBytes()).append(',');
        b.append("\"mismatch_sectors\":").append(s.mismatchSectors()).append(',');
        if (exportUri != null) {
            kv(b, "export", exportUri).append(',');
        }
        b.append("\"members\":[");
        for (int i = 0; i < s.members().size(); i++) {
            ArrayStatus.Member m = s.members().get(i);
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"slot\":").append(m.slot()).append(',');
            kv(b, "device", m.device()).append(',');
            kv(b, "state", m.state().name().toLowerCase(Locale.ROOT)).append(',');
            b.append("\"write_mostly\":").append(m.writeMostly()).append('}');
        }
        return b.append("]}").toString();
    }

    private static StringBuilder kv(StringBuilder b, String k, String v) {
        b.append('"').append(k).append("\":");
        return appendString(b, v);
    }

    /** A JSON string literal (or {@code null}); the one escaping of every hand-written JSON here. */
    public static String jsonString(String v) {
        return appendString(new StringBuilder(), v).toString();
    }

    private static StringBuilder appendString(StringBuilder b, String v) {
        if (v == null) {
            return b.append("null");
        }
        b.append('"');
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"');
    }
}
