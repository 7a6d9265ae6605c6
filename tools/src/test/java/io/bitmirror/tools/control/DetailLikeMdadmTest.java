package io.bitmirror.tools.control;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;

import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code detail} laid out as {@code mdadm --detail}, and the facts it shares with the
 * superblock equal to what the real {@code mdadm -E} prints for the same member files (there is
 * no md driver here, so not {@code mdadm --detail} itself): Creation Time, Update Time, Used Dev
 * Size, UUID, Name, Events, Raid Devices, Array Size, Intent Bitmap.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DetailLikeMdadmTest {
    @TempDir
    Path dir;

    /** "Key : value" lines, by key. */
    private static Map<String, String> keyed(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : text.split("\n")) {
            int c = l.indexOf(" : ");
            if (c > 0) {
                m.putIfAbsent(l.substring(0, c).trim(), l.substring(c + 3).trim());
            }
        }
        return m;
    }

    @Test
    void detailSaysWhatMdadmExamineSaysOfTheSameMembers() throws Exception {
        External.requireTool("mdadm");
        List<Path> members = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path p = dir.resolve("m" + i + ".img");
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(64L << 20);
            }
            members.add(p);
        }
        // --size below the available space, so that mdadm -E prints a Used Dev Size line.
        Cli.Result r = Cli.run("create", "-l1", "-n2", "-N", "web", "--size=40M", "--assume-clean",
                members.get(0).toString(), members.get(1).toString());
        assertEquals(0, r.rc(), r.err());
        // Assembled a second later: its superblock update time differs from the creation time,
        // so a Creation Time taken from the wrong field shows.
        Thread.sleep(1_100);
        RaidArray array = RaidArray.assemble(AssembleOptions.of(members));
        // One write: the superblocks are marked active and, idle again, clean, with a new update time.
        array.write(0, java.nio.ByteBuffer.allocateDirect(4096), true);
        Thread.sleep(600);
        String text;
        JsonNode d;
        try (ControlServer server = ControlServer.start(array, null, dir.resolve("c.sock"))) {
            d = ControlClient.request(server.path(), "detail");
            text = DetailFormatter.text(d);
        } finally {
            array.stop();
        }
        // Stopped, so the superblocks on disk are the last the array wrote; events and update
        // time moved by the clean mark at stop, the rest is as detail saw it.
        External.Run md = External.run(Map.of("TZ", ZoneId.systemDefault().getId()), "mdadm", "-E",
                members.get(0).toString());
        assertEquals(0, md.rc(), md.err());
        Map<String, String> e = keyed(md.out());
        Map<String, String> ours = keyed(text);

        assertEquals(e.get("Creation Time"), ours.get("Creation Time"), text + md.out());
        assertEquals(e.get("Array UUID"), ours.get("UUID"), text + md.out());
        assertEquals(e.get("Name").split("\\s+")[0], ours.get("Name"), text + md.out());
        assertEquals(e.get("Raid Devices"), ours.get("Raid Devices"));
        assertEquals(e.get("Array Size"), ours.get("Array Size"));
        // mdadm -E says "Internal Bitmap : N sectors from superblock", --detail "Intent Bitmap : Internal".
        assertTrue(e.containsKey("Internal Bitmap"), md.out());
        assertEquals("Internal", ours.get("Intent Bitmap"), text);
        // mdadm -E: "N sectors (x MiB y MB)"; mdadm --detail: "N/2 KiB (...)", the same bytes.
        String[] used = e.get("Used Dev Size").split(" ", 3);
        assertEquals(Long.parseLong(used[0]) / 2 + " KiB " + used[2], ours.get("Used Dev Size"), text + md.out());
        assertEquals(Long.parseLong(used[0]) * 512, d.path("usedDevSizeBytes").asLong());
        // The clean mark at stop bumps events at most once and may move the update time.
        long ev = Long.parseLong(ours.get("Events"));
        long diskEv = Long.parseLong(e.get("Events"));
        assertTrue(diskEv == ev || diskEv == ev + 1, "detail " + ev + ", disk " + diskEv);
        assertNotNull(ours.get("Update Time"), text);

        // The rest is laid out as mdadm --detail: its keys, in its order, and its member table.
        for (String k : List.of("Version", "Creation Time", "Raid Level", "Array Size", "Used Dev Size",
                "Raid Devices", "Total Devices", "Persistence", "Intent Bitmap", "Update Time", "State",
                "Active Devices", "Working Devices", "Failed Devices", "Spare Devices", "Consistency Policy",
                "Name", "UUID", "Events")) {
            assertTrue(ours.containsKey(k), k + " missing:\n" + text);
        }
        assertEquals(List.copyOf(ours.keySet()).indexOf("Version"), 0, text);
        assertTrue(List.copyOf(ours.keySet()).indexOf("Persistence")
                < List.copyOf(ours.keySet()).indexOf("Update Time"), text);
        assertEquals("Superblock is persistent", ours.get("Persistence"));
        assertEquals("2", ours.get("Total Devices"));
        assertEquals("2", ours.get("Working Devices"));
        assertEquals("0", ours.get("Spare Devices"));
        assertTrue(text.contains("\n    Number   RaidDevice State\n"), text);
        for (int i = 0; i < 2; i++) {
            // A file has no major:minor; mdadm would print them for a block device.
            assertTrue(text.matches("(?s).*\n +" + i + " +" + i + " +active sync +"
                    + java.util.regex.Pattern.quote(members.get(i).toString()) + "\n.*"), text);
            assertFalse(d.path("members").get(i).has("major"), d.toString());
        }
    }
}
