package io.bitmirror.raid.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitmirror.testsupport.Requirements;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A member file that is an NBD export seen through nbdfuse: nbdkit's memory plugin (with any
 * filters) on a Unix socket, mounted as {@link #file()}. Lets a test make a member misbehave for
 * real: stop nbdkit (a hung device) or have its error filter fail requests (an I/O error the
 * kernel reports in the completion). Both processes are signalled themselves and gone after
 * {@link #close()}. Needs root, /dev/fuse, nbdkit, nbdfuse and fusermount3 (skips loudly
 * otherwise; fails under CI=true).
 */
public final class NbdFuseMember implements AutoCloseable {
    private final Path mnt;
    private final Path file;
    private final Process nbdkit;
    private Process fuse;

    /**
     * @param nbdkitArgs filters ({@code --filter=error}, put before the plugin) and their
     *     {@code key=value} parameters (put after it), in any order
     */
    public NbdFuseMember(Path dir, long size, String... nbdkitArgs) throws Exception {
        Requirements.requireTools("nbdkit", "nbdfuse", "fusermount3");
        Requirements.requireDevice("/dev/fuse", "nbdfuse (a member served by nbdkit)");
        Requirements.requireRoot("a FUSE mount");
        Path sock = dir.resolve("nbdkit.sock");
        this.mnt = Files.createDirectories(dir.resolve("mnt"));
        this.file = mnt.resolve("disk");
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-f", "-U", sock.toString()));
        for (String a : nbdkitArgs) {
            if (a.startsWith("--")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("memory", "size=" + size));
        for (String a : nbdkitArgs) {
            if (!a.startsWith("--")) {
                cmd.add(a);
            }
        }
        this.nbdkit = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("nbdkit.log").toFile())
                .start();
        try {
            waitFor(sock, nbdkit, "nbdkit's socket");
            fuse = new ProcessBuilder("nbdfuse", file.toString(), "nbd+unix:///?socket=" + sock).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("nbdfuse.log").toFile()).start();
            waitFor(file, fuse, "nbdfuse's file");
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    /** The member file. */
    public Path file() {
        return file;
    }

    /** {@code kill -SIG} on nbdkit itself: STOP makes every request to the member hang, CONT ends that. */
    public void signal(String sig) throws Exception {
        if (nbdkit.isAlive()) {
            new ProcessBuilder("kill", "-" + sig, String.valueOf(nbdkit.pid())).start().waitFor();
        }
    }

    private static void waitFor(Path p, Process proc, String what) throws Exception {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!Files.exists(p)) {
            assertTrue(proc.isAlive(), what + ": the process exited");
            assertTrue(System.nanoTime() < end, what + " did not appear in 10 s");
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws Exception {
        signal("CONT");
        if (fuse != null) {
            for (int i = 0; i < 50 && new ProcessBuilder("fusermount3", "-u", mnt.toString()).start().waitFor() != 0; i++) {
                Thread.sleep(100);
            }
            stop(fuse);
        }
        stop(nbdkit);
    }

    private static void stop(Process p) throws Exception {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
    }
}
