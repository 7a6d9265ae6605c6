package io.bitmirror.tools;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Real external programs (mdadm, losetup) for tests; skips loudly when one cannot run here. */
public final class External {
    private External() {
    }

    /** Output and status of a finished program. */
    public record Run(int rc, String out, String err) {
    }

    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        for (String dir : new String[] {"/usr/sbin", "/sbin"}) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Skips the test, saying so on stderr, unless {@code tool} is installed. */
    public static void requireTool(String tool) {
        boolean ok = onPath(tool);
        if (!ok) {
            System.err.println("*** SKIPPED: '" + tool + "' is not installed; CI installs it (bash .ci/run) ***");
        }
        assumeTrue(ok, tool + " is not installed");
    }

    /** Skips the test, saying so on stderr, unless running as root. */
    public static void requireRoot() {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            System.err.println("*** SKIPPED: needs root (loop devices); CI runs as root ***");
        }
        assumeTrue(root, "needs root");
    }

    public static Run run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(cmd));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().putAll(env);
        String path = pb.environment().getOrDefault("PATH", "");
        pb.environment().put("PATH", path + ":/usr/sbin:/sbin");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": timed out");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    public static Run run(String... cmd) throws IOException, InterruptedException {
        return run(Map.of(), cmd);
    }

    /** Attaches {@code file} to a read-only loop device and returns its path. */
    public static String loopReadOnly(Path file) throws IOException, InterruptedException {
        Run r = run("losetup", "-r", "-f", "--show", file.toString());
        if (r.rc() != 0) {
            System.err.println("*** SKIPPED: losetup failed: " + r.err().trim() + " ***");
            assumeTrue(false, "no loop device: " + r.err());
        }
        return r.out().trim();
    }

    public static void detach(String loop) throws IOException, InterruptedException {
        run("losetup", "-d", loop);
    }
}
