package io.bitmirror.tools.control;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.nbd.UnixSockets;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers control requests for one array on a 0600 Unix socket. */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    private final RaidArray array;
    private final String exportUri;
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread thread;
    private volatile boolean running = true;

    private ControlServer(RaidArray array, String exportUri, Path path, ServerSocketChannel server) {
        this.array = array;
        this.exportUri = exportUri;
        this.path = path;
        this.server = server;
        this.thread = new Thread(this::serve, "control");
        thread.setDaemon(true);
    }

    public static ControlServer start(RaidArray array, String exportUri, Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        ServerSocketChannel ch = UnixSockets.bindPrivate(abs, "control socket");
        ControlServer c = new ControlServer(array, exportUri, abs, ch);
        c.thread.start();
        return c;
    }

    private void serve() {
        while (running) {
            try (SocketChannel c = server.accept()) {
                handle(c);
            } catch (IOException e) {
                if (running) {
                    LOG.warn("control socket: {}", e.getMessage());
                }
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private void handle(SocketChannel c) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(new OutputStreamWriter(Channels.newOutputStream(c), StandardCharsets.UTF_8));
        String line = in.readLine();
        if (line == null) {
            return;
        }
        String cmd = line.trim();
        String arg = "";
        int sp = cmd.indexOf(' ');
        if (sp > 0) {
            arg = cmd.substring(sp + 1).trim();
            cmd = cmd.substring(0, sp);
        }
        try {
            switch (cmd) {
                case "detail":
                    out.println("ok");
                    out.print(DetailFormatter.text(array.status(), exportUri));
                    break;
                case "detail-json":
                    out.println("ok");
                    out.println(DetailFormatter.json(array.status(), exportUri));
                    break;
                case "fail":
                    array.fail(Path.of(arg));
                    out.println("ok");
                    out.println("bitmirror: set " + arg + " faulty in " + array.status().name());
                    break;
                case "remove":
                    array.remove(Path.of(arg));
                    out.println("ok");
                    out.println("bitmirror: hot removed " + arg + " from " + array.status().name());
                    break;
                case "re-add":
                    array.reAdd(Path.of(arg));
                    out.println("ok");
                    out.println("bitmirror: re-added " + arg);
                    break;
                case "add":
                case "add-force":
                    array.add(Path.of(arg), cmd.equals("add-force"));
                    out.println("ok");
                    out.println("bitmirror: added " + arg);
                    break;
                default:
                    out.println("error: unknown control request '" + cmd + "'");
            }
        } catch (ArrayException | IOException e) {
            out.println("error: " + oneLine(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("control request {} failed", cmd, e);
            out.println("error: " + e);
        }
        out.flush();
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "failed";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
        } catch (IOException ignored) {
            // shutting down
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a stale socket is replaced at the next start
        }
    }
}
