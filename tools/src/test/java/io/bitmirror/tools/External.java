package io.bitmirror.tools;

import io.bitmirror.testsupport.Requirements;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real external programs (mdadm, losetup) for tests; what the machine lacks skips loudly, and fails
 * under CI=true ({@link Requirements}).
 */
public final class External {
    private External() {
    }

    /** Output and status of a finished program. */
    public record Run(int rc, String out, String err) {
    }

    public static boolean onPath(String tool) {
        return Requirements.onPath(tool);
    }

    /** Skips the test loudly (fails it under CI=true) unless {@code tool} is installed. */
    public static void requireTool(String tool) {
        Requirements.requireTools(tool);
    }

    /** Skips the test loudly (fails it under CI=true) unless running as root (effective uid 0). */
    public static void requireRoot() {
        Requirements.requireRoot("loop devices, mount");
    }

    /** Root, losetup and /dev/loop-control; from then on a failing losetup fails the test. */
    public static void requireLoopDevices() {
        Requirements.requireLoopDevices();
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
            // After requireLoopDevices(): a machine that has loop devices failed to give one.
            throw new AssertionError("losetup -r -f --show " + file + " failed: " + r.err().trim());
        }
        return r.out().trim();
    }

    public static void detach(String loop) throws IOException, InterruptedException {
        run("losetup", "-d", loop);
    }
}
