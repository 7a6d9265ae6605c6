package io.bitmirror.tools.scan;

import io.bitmirror.bitmapfile.config.ArrayLine;
import io.bitmirror.bitmapfile.config.ArrayRecord;
import io.bitmirror.bitmapfile.config.ConfigFile;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.tools.examine.Uuids;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code assemble --scan [NAME|UUID]}: picks the array from the config file's ARRAY lines, finds
 * its members among the DEVICE candidates, and says what the ARRAY lines set (export, control,
 * bitmap). Several ARRAY lines of the same uuid (a scanned line and a bitmap record, say) are one
 * array: a key is taken from the first line that has it.
 */
public final class ConfigSelection {
    private final ConfigFile config;
    private final List<ArrayLine> lines;
    private final ScannedArray array;

    private ConfigSelection(ConfigFile config, List<ArrayLine> lines, ScannedArray array) {
        this.config = config;
        this.lines = lines;
        this.array = array;
    }

    /** The members found, in DEVICE order. */
    public List<Path> members() {
        return array.members();
    }

    public ScannedArray array() {
        return array;
    }

    /** The value of {@code key} on the array's first ARRAY line that has it, or null. */
    public String get(String key) {
        for (ArrayLine l : lines) {
            if (l.get(key) != null) {
                return l.get(key);
            }
        }
        return null;
    }

    /**
     * Selects the array {@code which} (a name, {@code host:name}, {@code /dev/md/NAME} or a
     * UUID; null: the only array of the file) and finds its members.
     *
     * @param warn receives warning lines (records of bitmap files that are gone, skipped URIs)
     * @throws ArrayException one line: no such array, ambiguous, no members found
     */
    public static ConfigSelection select(Path file, String which, Consumer<String> warn) throws IOException {
        if (!Files.exists(file)) {
            throw new ArrayException("config file " + file + " does not exist (give --config=FILE or set $"
                    + ConfigFile.ENV + ")");
        }
        ConfigFile config = ConfigFile.read(file);
        warnGoneBitmaps(config, warn);
        List<List<ArrayLine>> arrays = byUuid(config);
        List<List<ArrayLine>> matches = new ArrayList<>();
        if (which == null) {
            if (arrays.size() != 1) {
                throw new ArrayException(file + " has " + (arrays.isEmpty() ? "no ARRAY lines" : arrays.size()
                        + " arrays (" + names(arrays) + "): name one") + "");
            }
            matches.add(arrays.get(0));
        } else {
            for (List<ArrayLine> a : arrays) {
                if (matches(a, which)) {
                    matches.add(a);
                }
            }
        }
        if (matches.isEmpty()) {
            throw new ArrayException("no array '" + which + "' in " + file + " (arrays: " + names(arrays) + ")");
        }
        if (matches.size() > 1) {
            throw new ArrayException("'" + which + "' is ambiguous in " + file + ": it names " + matches.size()
                    + " arrays (" + names(matches) + "); give the UUID");
        }
        List<ArrayLine> chosen = matches.get(0);
        byte[] uuid = chosen.get(0).uuid();
        if (uuid == null) {
            throw new ArrayException(file + ":" + config.lineNumber(chosen.get(0)) + ": the ARRAY line has no UUID=; "
                    + "assemble --scan finds members by uuid (examine --scan prints it)");
        }
        List<String> words = config.devices();
        if (words.isEmpty()) {
            throw new ArrayException(file + " has no DEVICE lines: no candidates to examine");
        }
        List<Path> candidates = DeviceCandidates.expand(words, warn);
        List<String> skipped = new ArrayList<>();
        ScannedArray found = null;
        for (ScannedArray s : MemberScan.scan(candidates, (p, why) -> skipped.add(p + ": " + why))) {
            if (s.isFor(uuid)) {
                found = s;
            }
        }
        if (found == null) {
            throw new ArrayException("no devices of array " + label(chosen) + " among the " + candidates.size()
                    + " DEVICE candidates of " + file);
        }
        return new ConfigSelection(config, chosen, found);
    }

    /** Reports every bitmap record of {@code config} whose file no longer exists. */
    public static void warnGoneBitmaps(ConfigFile config, Consumer<String> warn) {
        for (ArrayLine l : config.arrays()) {
            String bm = l.get("bitmap");
            if (bm != null && l.has("dev") && l.uuid() != null && !Files.exists(Path.of(bm))) {
                String uuid = ArrayRecord.formatUuid(l.uuid());
                warn.accept(config.path() + ":" + config.lineNumber(l) + ": bitmap file " + bm + " of array " + uuid
                        + " no longer exists; 'bitmirror config --forget " + uuid + "' removes the record");
            }
        }
    }

    /** ARRAY lines grouped by UUID, in file order; a line without UUID= stands alone. */
    private static List<List<ArrayLine>> byUuid(ConfigFile config) {
        List<List<ArrayLine>> out = new ArrayList<>();
        for (ArrayLine l : config.arrays()) {
            List<ArrayLine> group = null;
            for (List<ArrayLine> g : out) {
                if (l.uuid() != null && g.get(0).uuid() != null && Arrays.equals(g.get(0).uuid(), l.uuid())) {
                    group = g;
                }
            }
            if (group == null) {
                group = new ArrayList<>();
                out.add(group);
            }
            group.add(l);
        }
        // A line without a uuid cannot be matched with members; it is refused when chosen.
        return out;
    }

    private static boolean matches(List<ArrayLine> group, String which) {
        byte[] asUuid = null;
        try {
            asUuid = ArrayRecord.parseUuid(which);
        } catch (IllegalArgumentException notAUuid) {
            // a name
        }
        for (ArrayLine l : group) {
            if (asUuid != null && l.uuid() != null && Arrays.equals(asUuid, l.uuid())) {
                return true;
            }
            String name = l.name();
            if (name != null && (name.equals(which) || name.substring(name.indexOf(':') + 1).equals(which))) {
                return true;
            }
            String dev = l.device();
            if (dev != null && (dev.equals(which) || dev.equals("/dev/md/" + which))) {
                return true;
            }
        }
        return false;
    }

    private static String label(List<ArrayLine> group) {
        String name = null;
        for (ArrayLine l : group) {
            if (name == null) {
                name = l.name();
            }
        }
        byte[] uuid = group.get(0).uuid();
        String u = uuid == null ? "no UUID" : Uuids.mdadm(uuid);
        return name == null ? u : name.substring(name.indexOf(':') + 1) + " (" + u + ")";
    }

    private static String names(List<List<ArrayLine>> groups) {
        List<String> out = new ArrayList<>();
        for (List<ArrayLine> g : groups) {
            out.add(label(g));
        }
        return String.join(", ", out);
    }
}
