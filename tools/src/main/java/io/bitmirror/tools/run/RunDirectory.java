package io.bitmirror.tools.run;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Where running arrays say they run, whatever paths their sockets have: one file per array,
 * {@code UUID.array} in {@code $BITMIRROR_RUN_DIR}, else /run/bitmirror, holding pid, name,
 * uuid, export and control. Written when the array is serving, removed when it stopped; an entry
 * whose pid is gone (a crash, SIGKILL) is stale: readers skip it and delete it.
 */
final class RunDirectory {
    /** Environment variable that overrides /run/bitmirror. */
    static final String ENV = "BITMIRROR_RUN_DIR";

    private RunDirectory() {
    }

    /** One running array as registered. */
    record Entry(long pid, String name, String uuid, String export, Path control, Path file) {
    }

    static Path locate() {
        String env = System.getenv(ENV);
        return env != null && !env.isBlank() ? Path.of(env) : Path.of("/run/bitmirror");
    }

    /** Registers this process's array; returns the entry file, to delete at stop. */
    static Path register(String name, String uuid, String export, Path control) throws IOException {
        Path dir = locate();
        Files.createDirectories(dir);
        Path file = dir.resolve(uuid.replace(":", "") + ".array");
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        p.setProperty("name", name);
        p.setProperty("uuid", uuid);
        p.setProperty("export", export);
        p.setProperty("control", control == null ? "" : control.toAbsolutePath().toString());
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "bitmirror running array");
        }
        // Readers see no entry or a whole one.
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** The live entries; stale ones are deleted and reported to {@code cleaned}. */
    static List<Entry> running(Consumer<Entry> cleaned) throws IOException {
        List<Entry> out = new ArrayList<>();
        Path dir = locate();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.array")) {
            for (Path f : ds) {
                Properties p = new Properties();
                try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                    p.load(r);
                } catch (IOException gone) {
                    continue; // removed while we listed
                }
                long pid;
                try {
                    pid = Long.parseLong(p.getProperty("pid", ""));
                } catch (NumberFormatException e) {
                    pid = -1;
                }
                String ctl = p.getProperty("control", "");
                Entry e = new Entry(pid, p.getProperty("name", "?"), p.getProperty("uuid", "?"),
                        p.getProperty("export", ""), ctl.isEmpty() ? null : Path.of(ctl), f);
                boolean alive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                if (alive) {
                    out.add(e);
                } else {
                    Files.deleteIfExists(f);
                    cleaned.accept(e);
                }
            }
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }
}
