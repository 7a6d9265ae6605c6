package io.bitmirror.bitmapfile;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Real programs and privileges for tests; skips loudly when something is missing. */
public final class Host {
    private Host() {
    }

    /** Output and status of a finished program. */
    public record Run(int rc, String out, String err) {
        public Run ok() {
            if (rc != 0) {
                throw new AssertionError("exit " + rc + ": " + err + out);
            }
            return this;
        }
    }

    public static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    public static void skip(String why) {
        System.err.println("*** SKIPPED: " + why + " ***");
        assumeTrue(false, why);
    }

    public static void requireRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            skip("needs root (loop devices, mount, chattr); CI runs as root");
        }
    }

    public static void requireTools(String... tools) {
        for (String t : tools) {
            if (!onPath(t)) {
                skip("'" + t + "' is not installed; CI installs it (bash .ci/run)");
            }
        }
    }

    public static Run run(String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PATH", pb.environment().getOrDefault("PATH", "") + ":/usr/sbin:/sbin");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path out = Files.createTempFile("host", ".out");
        Path err = Files.createTempFile("host", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Seed for property tests: {@code -Dseed=N} replays one run. */
    public static long seed(long fallback) {
        String s = System.getProperty("seed", "");
        long seed = s.isBlank() ? fallback : Long.parseLong(s.trim());
        System.err.println("seed=" + seed + " (replay with -Dseed=" + seed + ")");
        return seed;
    }
}
