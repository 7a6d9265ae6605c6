package io.bitmirror.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.opentest4j.AssertionFailedError;

/**
 * What a test needs from the machine: root, a tool, a device. When it is missing the test skips
 * loudly ({@code *** SKIPPED: ... ***} on stderr and an aborted test in the report), except
 * under {@code CI=true}: there {@code .ci/run} installs every tool and runs as root, so a test
 * that cannot run is a broken CI machine and fails the run rather than leave it green.
 *
 * <p>Only the machine's shortcomings skip. Once the requirement holds, a tool that fails (a
 * losetup, mount or cp --reflink that exits non-zero) is a test failure, never a skip.
 */
public final class Requirements {
    private Requirements() {
    }

    /** {@code CI=true} (GitHub Actions and most CI services set it; {@code .ci/run} does). */
    public static boolean ci() {
        return ci(System.getenv());
    }

    static boolean ci(Map<String, String> env) {
        String v = env.getOrDefault("CI", "").trim();
        return v.equalsIgnoreCase("true") || v.equals("1");
    }

    /**
     * Effective uid 0, read from the kernel ({@code Uid:} in /proc/self/status: real, effective,
     * saved, fs). Not {@code user.name}: that is the login name, wrong under sudo -E, a renamed
     * uid 0 or a container whose passwd lacks the uid.
     */
    public static boolean root() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    return effectiveUid(line) == 0;
                }
            }
            throw new IllegalStateException("no Uid: line in /proc/self/status");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status: " + e, e);
        }
    }

    static long effectiveUid(String uidLine) {
        String[] f = uidLine.substring("Uid:".length()).trim().split("\\s+");
        return Long.parseLong(f[1]);
    }

    /**
     * Where the tests look for programs, and the PATH they run them with: the caller's PATH, then
     * the sbin directories a non-root PATH often lacks (mdadm, losetup and mkfs live there).
     */
    public static String searchPath() {
        return System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
    }

    public static boolean onPath(String tool) {
        for (String dir : searchPath().split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Skips loudly (fails under CI) unless running as root; {@code forWhat} says why root. */
    public static void requireRoot(String forWhat) {
        if (!root()) {
            skip("needs root (" + forWhat + "); CI runs as root");
        }
    }

    /** Skips loudly (fails under CI) unless every tool is installed. */
    public static void requireTools(String... tools) {
        for (String t : tools) {
            if (!onPath(t)) {
                skip("'" + t + "' is not installed; CI installs it (bash .ci/run)");
            }
        }
    }

    /** Skips loudly (fails under CI) unless {@code device} exists (a container may lack it). */
    public static void requireDevice(String device, String forWhat) {
        if (!Files.exists(Path.of(device))) {
            skip("no " + device + " (" + forWhat + ") on this machine; CI needs a privileged machine");
        }
    }

    /** Root, losetup and the loop-control device; after this a failing losetup is a failure. */
    public static void requireLoopDevices() {
        requireRoot("loop devices");
        requireTools("losetup");
        requireDevice("/dev/loop-control", "loop devices");
    }

    /** The loud skip: a skip on a developer's machine, a failure under {@code CI=true}. */
    public static void skip(String why) {
        skip(why, ci());
    }

    static void skip(String why, boolean ci) {
        if (ci) {
            System.err.println("*** NOT SKIPPED, FAILED (CI=true): " + why + " ***");
            throw new AssertionFailedError("CI=true: a test may not skip here: " + why);
        }
        System.err.println("*** SKIPPED: " + why + " ***");
        Assumptions.abort(why);
    }
}
