package io.bitmirror.bitmapfile.config;

import io.bitmirror.bitmapfile.BitmapFileException;
import io.bitmirror.bitmapfile.extent.ExtentMap;
import io.bitmirror.bitmapfile.fs.DeviceId;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The record of which external bitmap file belongs to which array, so that {@code assemble}
 * finds the file without being told, and can tell whether it was moved or rewritten.
 *
 * <p>A text file in the manner of mdadm.conf; lines starting with {@code #} and blank lines are
 * comments and are kept; one line per array:
 * <pre>
 * ARRAY UUID=0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9 bitmap=/var/lib/bitmirror/md0.bitmap dev=8:17 ino=131 size=8192 extents=0:1083392:8192
 * </pre>
 * {@code UUID} is the array uuid as mdadm prints it; {@code bitmap} the absolute path
 * (percent-encoded: {@code %20} for a space, {@code %25} for {@code %}); {@code dev} the
 * MAJ:MIN of the filesystem's block device; {@code ino} the inode; {@code size} the file size
 * in bytes; {@code extents} comma-separated {@code logical:physical:length} in bytes (file
 * offset, device offset, length), normalised (sorted, contiguous runs merged). Unknown keys are
 * ignored, so later versions can add some.
 *
 * <p>Where: an explicit path if given, else {@code $BITMIRROR_CONF}, else
 * {@code /etc/bitmirror/bitmirror.conf}. Updates are atomic (temporary file, fsync, rename,
 * fsync of the directory), so a crash leaves the old or the new file, never half of one.
 */
public final class BitmapRegistry {
    /** The default location. */
    public static final Path DEFAULT = Path.of("/etc/bitmirror/bitmirror.conf");
    /** Environment variable that overrides the default location. */
    public static final String ENV = "BITMIRROR_CONF";

    private final Path path;

    public BitmapRegistry(Path path) {
        this.path = path;
    }

    /** The registry at {@code explicit}, else {@code $BITMIRROR_CONF}, else the default. */
    public static BitmapRegistry locate(Path explicit) {
        if (explicit != null) {
            return new BitmapRegistry(explicit);
        }
        String env = System.getenv(ENV);
        return new BitmapRegistry(env != null && !env.isBlank() ? Path.of(env) : DEFAULT);
    }

    public Path path() {
        return path;
    }

    /** Every ARRAY line; an empty list when the file does not exist. */
    public List<ArrayRecord> records() throws IOException {
        List<ArrayRecord> out = new ArrayList<>();
        if (!Files.exists(path)) {
            return out;
        }
        int n = 0;
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
            n++;
            String t = line.trim();
            if (t.startsWith("ARRAY ")) {
                try {
                    out.add(parse(t));
                } catch (RuntimeException e) {
                    throw new BitmapFileException(path + ":" + n + ": bad ARRAY line: " + e.getMessage());
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

    /** Adds {@code record}, replacing the line of the same array; other lines are kept. */
    public void put(ArrayRecord record) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean replaced = false;
        if (Files.exists(path)) {
            for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
                String t = line.trim();
                if (t.startsWith("ARRAY ") && sameArray(t, record)) {
                    if (!replaced) {
                        lines.add(format(record));
                        replaced = true;
                    }
                } else {
                    lines.add(line);
                }
            }
        } else {
            lines.add("# bitmirror: external bitmap files of arrays (see docs/EXTERNAL-BITMAP.md)");
        }
        if (!replaced) {
            lines.add(format(record));
        }
        write(lines);
    }

    /** Removes the line of {@code uuid}; true if there was one. */
    public boolean remove(byte[] uuid) throws IOException {
        if (!Files.exists(path)) {
            return false;
        }
        List<String> lines = new ArrayList<>();
        boolean removed = false;
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
            String t = line.trim();
            if (t.startsWith("ARRAY ") && parse(t).isFor(uuid)) {
                removed = true;
            } else {
                lines.add(line);
            }
        }
        if (removed) {
            write(lines);
        }
        return removed;
    }

    private static boolean sameArray(String line, ArrayRecord r) {
        try {
            return parse(line).isFor(r.uuid());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void write(List<String> lines) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + path.getFileName() + ".tmp");
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems cannot fsync a directory; the rename is still atomic.
        }
    }

    /** The ARRAY line of {@code r}. */
    public static String format(ArrayRecord r) {
        return "ARRAY UUID=" + ArrayRecord.formatUuid(r.uuid()) + " bitmap=" + encode(r.bitmap().toString()) + " dev="
                + r.device() + " ino=" + r.inode() + " size=" + r.extents().size() + " extents="
                + r.extents().format();
    }

    /** Parses one ARRAY line. */
    public static ArrayRecord parse(String line) {
        String uuid = null;
        String bitmap = null;
        String dev = null;
        String ino = null;
        String size = null;
        String extents = "";
        for (String word : line.trim().split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                continue; // "ARRAY", or a device name as mdadm.conf allows
            }
            String k = word.substring(0, eq);
            String v = word.substring(eq + 1);
            switch (k) {
                case "UUID" -> uuid = v;
                case "bitmap" -> bitmap = decode(v);
                case "dev" -> dev = v;
                case "ino" -> ino = v;
                case "size" -> size = v;
                case "extents" -> extents = v;
                default -> {
                }
            }
        }
        if (uuid == null || bitmap == null || dev == null || ino == null || size == null) {
            throw new IllegalArgumentException("needs UUID=, bitmap=, dev=, ino=, size= and extents=");
        }
        return new ArrayRecord(ArrayRecord.parseUuid(uuid), Path.of(bitmap), DeviceId.parse(dev), Long.parseLong(ino),
                ExtentMap.parse(Long.parseLong(size), extents));
    }

    static String encode(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '%' || c <= ' ' || c == 0x7f) {
                sb.append('%').append(String.format("%02X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static String decode(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
