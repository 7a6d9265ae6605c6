package io.bitmirror.bitmapfile.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The bitmirror config file, in mdadm.conf's syntax (docs/CONFIG.md): {@code DEVICE} lines
 * (paths, globs, NBD URIs), {@code ARRAY} lines (what {@code examine --scan} prints, plus
 * {@code export=}, {@code control=}, {@code bitmap=} and the bitmap registry's
 * {@code dev= ino= size= extents=}), comments and blank lines. The one parser of that file: the
 * bitmap registry reads and rewrites it through this class too.
 *
 * <p>As in mdadm.conf: keywords are case-insensitive and may be shortened to three letters; a
 * line starting with white space continues the previous one; a line whose first non-blank
 * character is {@code #} is a comment. mdadm keywords bitmirror has no use for (MAILADDR,
 * HOMEHOST, ...) are kept and ignored; any other keyword is refused with its line number.
 *
 * <p>Rewrites keep every line they do not change, byte for byte, and are atomic (temporary
 * file, fsync, rename, fsync of the directory): a crash leaves the old or the new file.
 */
public final class ConfigFile {
    /** The default location. */
    public static final Path DEFAULT = Path.of("/etc/bitmirror/bitmirror.conf");
    /** Environment variable that overrides the default location. */
    public static final String ENV = "BITMIRROR_CONF";

    private static final List<String> IGNORED = List.of("MAILADDR", "MAILFROM", "PROGRAM", "CREATE", "HOMEHOST",
            "HOMECLUSTER", "AUTO", "POLICY", "PART-POLICY", "SYSFS");

    private final Path path;
    private final List<Entry> entries;

    private ConfigFile(Path path, List<Entry> entries) {
        this.path = path;
        this.entries = entries;
    }

    /** {@code explicit} if given, else {@code $BITMIRROR_CONF}, else the default. */
    public static Path locate(Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        String env = System.getenv(ENV);
        return env != null && !env.isBlank() ? Path.of(env) : DEFAULT;
    }

    /** Reads {@code path}; a file that does not exist reads as empty. */
    public static ConfigFile read(Path path) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (Files.exists(path)) {
            List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
            Entry open = null;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                String t = line.strip();
                boolean continuation = !t.isEmpty() && !t.startsWith("#") && Character.isWhitespace(line.charAt(0));
                if (continuation && open != null) {
                    open.raw.add(line);
                    open.words.addAll(words(t));
                    continue;
                }
                Entry e = new Entry(i + 1);
                e.raw.add(line);
                if (!t.isEmpty() && !t.startsWith("#")) {
                    e.words.addAll(words(t));
                    open = e;
                } else {
                    open = null;
                }
                entries.add(e);
            }
        }
        ConfigFile f = new ConfigFile(path, entries);
        for (Entry e : entries) {
            e.interpret(path);
        }
        return f;
    }

    public Path path() {
        return path;
    }

    /** Every word of every DEVICE line, in order: paths, globs or NBD URIs. */
    public List<String> devices() {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.devices != null) {
                out.addAll(e.devices);
            }
        }
        return out;
    }

    /** Every ARRAY line, in order. */
    public List<ArrayLine> arrays() {
        List<ArrayLine> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.array != null) {
                out.add(e.array);
            }
        }
        return out;
    }

    /** The line number where {@code line} (one of {@link #arrays()}) starts. */
    public int lineNumber(ArrayLine line) {
        for (Entry e : entries) {
            if (e.array == line) {
                return e.number;
            }
        }
        return 0;
    }

    /** The first ARRAY line with {@code UUID=uuid}, or null. */
    public ArrayLine array(byte[] uuid) {
        for (ArrayLine a : arrays()) {
            byte[] u = a.uuid();
            if (u != null && Arrays.equals(u, uuid)) {
                return a;
            }
        }
        return null;
    }

    /**
     * Marks {@code line} (one of {@link #arrays()}, changed in place) for rewriting; a line not in
     * the file is appended.
     */
    public void update(ArrayLine line) {
        for (Entry e : entries) {
            if (e.array == line) {
                e.dirty = true;
                return;
            }
        }
        Entry e = new Entry(0);
        e.array = line;
        e.dirty = true;
        entries.add(e);
    }

    /** Drops {@code line} from the file; true if it was there. */
    public boolean remove(ArrayLine line) {
        return entries.removeIf(e -> e.array == line);
    }

    /** Appends a comment line (for a file this class creates). */
    public void comment(String text) {
        Entry e = new Entry(0);
        e.raw.add("# " + text);
        entries.add(e);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Writes the file atomically: temporary file, fsync, rename over, fsync of the directory. */
    public void write() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            if (e.dirty) {
                sb.append(e.array.format()).append('\n');
            } else {
                for (String l : e.raw) {
                    sb.append(l).append('\n');
                }
            }
        }
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + path.getFileName() + ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        // The rename is the commit point: readers see the old file or the new one, whole.
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems cannot fsync a directory; the rename is still atomic.
        }
    }

    private static List<String> words(String t) {
        return new ArrayList<>(List.of(t.split("\\s+")));
    }

    /** Whether {@code word} names {@code keyword}: any case, at least its first three letters. */
    private static boolean is(String word, String keyword) {
        String w = word.toUpperCase(Locale.ROOT);
        return w.length() >= 3 && keyword.startsWith(w);
    }

    /** One logical line: the physical lines it was read from, and what they say. */
    private static final class Entry {
        final int number;
        final List<String> raw = new ArrayList<>();
        final List<String> words = new ArrayList<>();
        List<String> devices;
        ArrayLine array;
        boolean dirty;

        Entry(int number) {
            this.number = number;
        }

        void interpret(Path path) throws ConfigException {
            if (words.isEmpty()) {
                return;
            }
            String kw = words.get(0);
            List<String> rest = words.subList(1, words.size());
            if (is(kw, "DEVICE")) {
                devices = new ArrayList<>(rest);
                for (String d : devices) {
                    if (!d.startsWith("/") && !d.startsWith("nbd://") && !d.startsWith("nbd+unix://")) {
                        throw new ConfigException(path + ":" + number + ": DEVICE " + d
                                + ": not an absolute path, glob or nbd:// / nbd+unix:// URI");
                    }
                }
            } else if (is(kw, "ARRAY")) {
                try {
                    array = ArrayLine.parse(rest);
                    array.uuid(); // a malformed UUID= is refused here, with the line number
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(path + ":" + number + ": bad ARRAY line: " + e.getMessage());
                }
            } else if (!IGNORED.contains(kw.toUpperCase(Locale.ROOT))) {
                throw new ConfigException(path + ":" + number + ": unknown keyword '" + kw
                        + "' (expected DEVICE or ARRAY)");
            }
        }
    }
}
