package io.bitmirror.tools.run;

import io.bitmirror.tools.control.ControlClient;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real CLI in its own JVM ({@code bitmirror assemble} with this test's classpath and JVM
 * flags), so tests can stop it with SIGTERM or kill it with SIGKILL.
 */
final class ArrayProcess implements AutoCloseable {
    final Process process;
    final Path socket;
    final Path control;
    final Path log;

    private ArrayProcess(Process process, Path socket, Path control, Path log) {
        this.process = process;
        this.socket = socket;
        this.control = control;
        this.log = log;
    }

    String uri() {
        return "nbd+unix:///?socket=" + socket;
    }

    /** The test JVM's java with the flags jnr and chronicle-bytes need (as the launcher sets them). */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("--enable-native-access") || a.startsWith("--sun-misc")
                    || a.startsWith("-Dchronicle")) {
                cmd.add(a);
            }
        }
        return cmd;
    }

    static ArrayProcess start(Path dir, List<String> extraArgs, List<Path> members) throws Exception {
        Path socket = dir.resolve("array.sock");
        Path control = dir.resolve("control.sock");
        List<String> args = new ArrayList<>();
        args.add("assemble");
        args.add("--export=nbd+unix:///?socket=" + socket);
        args.add("--control=" + control);
        args.addAll(extraArgs);
        for (Path m : members) {
            args.add(m.toString());
        }
        return startArgs(dir, args, socket, control);
    }

    /**
     * {@code bitmirror ARGS...} in its own JVM, waiting until {@code control} answers
     * {@code detail} (for commands whose sockets are not given on the command line).
     */
    static ArrayProcess startArgs(Path dir, List<String> args, Path socket, Path control) throws Exception {
        Path log = dir.resolve("bitmirror-" + System.nanoTime() + ".log");
        List<String> cmd = javaCommand();
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.bitmirror.tools.Main");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // Tests register their arrays in their own directory, never the machine's /run/bitmirror.
        pb.environment().putIfAbsent("BITMIRROR_RUN_DIR", dir.resolve("run").toString());
        Process p = pb.start();
        ArrayProcess ap = new ArrayProcess(p, socket, control, log);
        long end = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new IOException("bitmirror assemble exited with " + p.exitValue() + ": " + Files.readString(log));
            }
            if (Files.exists(control)) {
                try {
                    ControlClient.request(control, "detail");
                    return ap;
                } catch (RuntimeException | IOException notYet) {
                    // still starting
                }
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new IOException("bitmirror assemble did not start: " + Files.readString(log));
    }

    String detail() throws IOException {
        return io.bitmirror.tools.control.DetailFormatter.text(ControlClient.request(control, "detail"));
    }

    /** SIGTERM, then the exit status. */
    int stop() throws Exception {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("bitmirror did not stop on SIGTERM: " + Files.readString(log));
        }
        return process.exitValue();
    }

    /** SIGKILL: a crash. */
    void kill9() throws Exception {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
