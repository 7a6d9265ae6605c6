package io.bitmirror.tools;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Refused commands, as the project's rule for bad input says: the expected exit status, exactly
 * one stderr line naming the field and value, no exception text, and nothing written under
 * {@code dir} (every file's sha256 unchanged).
 */
public final class Refusals {
    private Refusals() {
    }

    /** sha256 over the names and contents of every regular file under {@code dir}. */
    public static String digest(Path dir) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                md.update(dir.relativize(p).toString().getBytes());
                md.update(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Runs the CLI and checks the refusal; returns the one stderr line. */
    public static String refused(Path dir, int rc, String expected, String... args) throws Exception {
        String before = digest(dir);
        Cli.Result r = Cli.run(args);
        assertEquals(rc, r.rc(), "exit status of " + String.join(" ", args) + "; stderr: " + r.err());
        // A parse error may add picocli's pointer to --help, and nothing else.
        long lines = r.errLines().stream().filter(l -> !l.startsWith("Try 'bitmirror ")).count();
        assertEquals(1, lines, "exactly one stderr line: " + r.err());
        assertTrue(r.errLines().size() == 1 || rc == Main.EXIT_USAGE, "a --help pointer only on usage errors");
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("bitmirror: "), line);
        assertTrue(line.contains(expected), "'" + line + "' should contain '" + expected + "'");
        assertFalse(line.contains("Exception"), line);
        assertEquals(before, digest(dir), "nothing may be written: " + String.join(" ", args));
        return line;
    }
}
