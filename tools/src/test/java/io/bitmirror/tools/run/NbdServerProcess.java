package io.bitmirror.tools.run;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real NBD server for a remote member, started by a test with {@link ProcessBuilder} (never
 * through a shell, so a kill reaches the server itself): nbdkit's file plugin, with filters, on a
 * Unix socket or loopback TCP, or qemu-nbd. It can be killed and started again on the same address.
 */
final class NbdServerProcess implements AutoCloseable {
    private final List<String> command;
    private final Path socket;
    private final int port;
    private final Path log;
    private Process process;

    private NbdServerProcess(List<String> command, Path socket, int port, Path log) {
        this.command = command;
        this.socket = socket;
        this.port = port;
        this.log = log;
    }

    /** nbdkit's file plugin on {@code file}; {@code filters} are "--filter=NAME" words and key=value params. */
    static NbdServerProcess nbdkitUnix(Path socket, Path file, String... filters) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-f", "-U", socket.toString()));
        return nbdkit(cmd, file, filters, socket, 0);
    }

    static NbdServerProcess nbdkitTcp(int port, Path file, String... filters) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-f", "-i", "127.0.0.1", "-p", String.valueOf(port)));
        return nbdkit(cmd, file, filters, null, port);
    }

    private static NbdServerProcess nbdkit(List<String> cmd, Path file, String[] filters, Path socket, int port)
            throws IOException {
        List<String> params = new ArrayList<>();
        for (String f : filters) {
            if (f.startsWith("-")) {
                cmd.add(f);
            } else {
                params.add(f);
            }
        }
        cmd.add("file");
        cmd.add("file=" + file);
        cmd.addAll(params);
        NbdServerProcess s = new NbdServerProcess(cmd, socket, port, logFor(file));
        s.start();
        return s;
    }

    /** The server's output goes beside the test's files, not among the ones a refusal test compares. */
    private static Path logFor(Path image) throws IOException {
        Path logs = image.getParent().resolveSibling(image.getParent().getFileName() + "-server-logs");
        Files.createDirectories(logs);
        return logs.resolve(image.getFileName() + "-" + System.nanoTime() + ".log");
    }

    /** qemu-nbd on {@code file}, persistent (-t), several clients at once. */
    static NbdServerProcess qemuNbd(Path socket, Path file) throws IOException {
        List<String> cmd = List.of("qemu-nbd", "-f", "raw", "-t", "-e", "8", "-k", socket.toString(), file.toString());
        NbdServerProcess s = new NbdServerProcess(cmd, socket, 0, logFor(file));
        s.start();
        return s;
    }

    /** The member URI of the export. */
    String uri() {
        return socket != null ? "nbd+unix:///?socket=" + socket : "nbd://127.0.0.1:" + port + "/";
    }

    void start() throws IOException {
        if (socket != null) {
            Files.deleteIfExists(socket);
        }
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(
                ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long end = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException(command.get(0) + " exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            if (listening()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IOException(command.get(0) + " did not start listening: " + Files.readString(log));
    }

    private boolean listening() {
        if (socket != null) {
            return Files.exists(socket);
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL: the server is gone, connections reset. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    /** A free loopback port. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
