package io.bitmirror.bitmapfile.config;

import io.bitmirror.bitmapfile.extent.ExtentMap;
import io.bitmirror.bitmapfile.fs.DeviceId;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The record of which external bitmap file belongs to which array, so that {@code assemble}
 * finds the file without being told, and can tell whether it was moved or rewritten.
 *
 * <p>The records live in the config file ({@link ConfigFile}, docs/CONFIG.md), as keys of the
 * array's ARRAY line:
 * <pre>
 * ARRAY UUID=0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9 bitmap=/var/lib/bitmirror/md0.bitmap dev=8:17 ino=131 size=8192 extents=0:1083392:8192
 * </pre>
 * {@code UUID} is the array uuid as mdadm prints it; {@code bitmap} the absolute path
 * (percent-encoded: {@code %20} for a space, {@code %25} for {@code %}); {@code dev} the
 * MAJ:MIN of the filesystem's block device; {@code ino} the inode; {@code size} the file size
 * in bytes; {@code extents} comma-separated {@code logical:physical:length} in bytes (file
 * offset, device offset, length), normalised (sorted, contiguous runs merged). An ARRAY line
 * that already exists for the uuid (say one written from {@code examine --scan}) gets these keys
 * added; its other keys are kept. An ARRAY line with {@code bitmap=} but no {@code dev=} is the
 * user's choice of file, not a record: assemble uses the file and refuses it until it is
 * registered ({@code --rebuild-bitmap}).
 *
 * <p>Where: an explicit path if given, else {@code $BITMIRROR_CONF}, else
 * {@code /etc/bitmirror/bitmirror.conf}. Updates are atomic (see {@link ConfigFile#write()}).
 */
public final class BitmapRegistry {
    /** The default location. */
    public static final Path DEFAULT = ConfigFile.DEFAULT;
    /** Environment variable that overrides the default location. */
    public static final String ENV = ConfigFile.ENV;
    /** The keys a record consists of, besides UUID. */
    static final List<String> RECORD_KEYS = List.of("bitmap", "dev", "ino", "size", "extents");
    /** The keys a line written by the registry alone has (it is removed whole when forgotten). */
    private static final List<String> OWN_KEYS = List.of("uuid", "bitmap", "dev", "ino", "size", "extents");

    private final Path path;

    public BitmapRegistry(Path path) {
        this.path = path;
    }

    /** The registry at {@code explicit}, else {@code $BITMIRROR_CONF}, else the default. */
    public static BitmapRegistry locate(Path explicit) {
        return new BitmapRegistry(ConfigFile.locate(explicit));
    }

    public Path path() {
        return path;
    }

    /** Every record; an empty list when the file does not exist. */
    public List<ArrayRecord> records() throws IOException {
        ConfigFile f = ConfigFile.read(path);
        List<ArrayRecord> out = new ArrayList<>();
        for (ArrayLine a : f.arrays()) {
            if (isRecord(a)) {
                try {
                    out.add(record(a));
                } catch (RuntimeException e) {
                    throw new ConfigException(path + ":" + f.lineNumber(a) + ": bad ARRAY line: " + e.getMessage());
                }
            }
        }
        return out;
    }

    /** The record of {@code uuid}, if any. */
    public Optional<ArrayRecord> find(byte[] uuid) throws IOException {
        for (ArrayRecord r : records()) {
            if (r.isFor(uuid)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /**
     * Adds {@code record} to the ARRAY line of the same array (its other keys kept), or appends
     * a line; later lines of the same array that are records are dropped, so there is one.
     */
    public void put(ArrayRecord record) throws IOException {
        ConfigFile f = ConfigFile.read(path);
        if (f.isEmpty()) {
            f.comment("bitmirror config: arrays and their external bitmap files (see docs/CONFIG.md)");
        }
        ArrayLine line = null;
        for (ArrayLine a : f.arrays()) {
            if (a.uuid() != null && record.isFor(a.uuid())) {
                if (line == null) {
                    line = a;
                } else if (isRecord(a)) {
                    f.remove(a);
                }
            }
        }
        if (line == null) {
            line = ArrayLine.of(null).with("UUID", ArrayRecord.formatUuid(record.uuid()));
        }
        line.with("bitmap", record.bitmap().toString()).with("dev", record.device().toString())
                .with("ino", Long.toString(record.inode())).with("size", Long.toString(record.extents().size()))
                .with("extents", record.extents().format());
        f.update(line);
        f.write();
    }

    /**
     * Forgets the record of {@code uuid}: a line the registry wrote alone is removed, a line that
     * also says more (name=, export=, ...) loses only the record's keys. True if there was one.
     */
    public boolean remove(byte[] uuid) throws IOException {
        ConfigFile f = ConfigFile.read(path);
        boolean removed = false;
        for (ArrayLine a : f.arrays()) {
            if (a.uuid() != null && java.util.Arrays.equals(a.uuid(), uuid) && a.has("bitmap")) {
                removed = true;
                if (a.device() == null && OWN_KEYS.containsAll(lower(a.keys()))) {
                    f.remove(a);
                } else {
                    RECORD_KEYS.forEach(a::without);
                    f.update(a);
                }
            }
        }
        if (removed) {
            f.write();
        }
        return removed;
    }

    private static List<String> lower(List<String> keys) {
        List<String> out = new ArrayList<>();
        keys.forEach(k -> out.add(k.toLowerCase(java.util.Locale.ROOT)));
        return out;
    }

    /** Whether {@code a} holds a registry record (not merely a bitmap= chosen by hand). */
    static boolean isRecord(ArrayLine a) {
        return a.has("bitmap") && a.has("dev");
    }

    /** The ARRAY line of {@code r}, as the registry appends it. */
    public static String format(ArrayRecord r) {
        return ArrayLine.of(null).with("UUID", ArrayRecord.formatUuid(r.uuid())).with("bitmap", r.bitmap().toString())
                .with("dev", r.device().toString()).with("ino", Long.toString(r.inode()))
                .with("size", Long.toString(r.extents().size())).with("extents", r.extents().format()).format();
    }

    /** Parses one ARRAY line that holds a record. */
    public static ArrayRecord parse(String line) {
        List<String> words = new ArrayList<>(List.of(line.trim().split("\\s+")));
        if (!words.isEmpty() && words.get(0).equalsIgnoreCase("ARRAY")) {
            words.remove(0);
        }
        return record(ArrayLine.parse(words));
    }

    private static ArrayRecord record(ArrayLine a) {
        String uuid = a.get("uuid");
        String bitmap = a.get("bitmap");
        String dev = a.get("dev");
        String ino = a.get("ino");
        String size = a.get("size");
        String extents = a.get("extents");
        if (uuid == null || bitmap == null || dev == null || ino == null || size == null) {
            throw new IllegalArgumentException("needs UUID=, bitmap=, dev=, ino=, size= and extents=");
        }
        return new ArrayRecord(ArrayRecord.parseUuid(uuid), Path.of(bitmap), DeviceId.parse(dev), Long.parseLong(ino),
                ExtentMap.parse(Long.parseLong(size), extents == null ? "" : extents));
    }
}
