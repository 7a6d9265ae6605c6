package io.bitmirror.bitmapfile;

import io.bitmirror.testsupport.Requirements;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Real programs and privileges for tests; what the machine lacks skips loudly ({@link Requirements}). */
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
        return Requirements.onPath(tool);
    }

    /** The loud skip: skips on a developer's machine, fails under CI=true. */
    public static void skip(String why) {
        Requirements.skip(why);
    }

    public static void requireRoot() {
        Requirements.requireRoot("loop devices, mount, chattr");
    }

    public static void requireTools(String... tools) {
        Requirements.requireTools(tools);
    }

    /** Root, losetup and /dev/loop-control; from then on a failing losetup fails the test. */
    public static void requireLoopDevices() {
        Requirements.requireLoopDevices();
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
