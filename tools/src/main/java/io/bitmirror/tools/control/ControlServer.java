package io.bitmirror.tools.control;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.nbd.UnixSockets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers control requests for one array on a 0600 Unix socket. Clients are served at the same
 * time, each on its own short-lived thread, at most {@link #MAX_CLIENTS} at once; a further
 * client gets a one-line "busy" error. Each exchange is bounded by {@link ControlSession} (4 KiB
 * request line, a few seconds idle), so no client can stall another or grow the server.
 *
 * <p>Manage requests (fail, remove, re-add, add, sync-action) run one at a time: {@link RaidArray}'s manage
 * operations check member states and then act on them without one lock around both (two adds
 * could pick the same missing slot), so this server serializes them. Detail requests take the
 * array's own snapshot and run alongside.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    /** Clients served at once; more wait for nothing, they are told the socket is busy. */
    static final int MAX_CLIENTS = 8;
    /** How long a client may take to send its request line, or to read its answer. */
    static final long IDLE_MILLIS = 5_000;

    /** The words of md's sync_action that a running array accepts. */
    static final java.util.Set<String> SYNC_ACTIONS = java.util.Set.of("check", "repair", "idle");

    private final RaidArray array;
    private final String exportUri;
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final Semaphore clients = new Semaphore(MAX_CLIENTS);
    private final Object manageLock = new Object();
    private final long idleMillis;
    private volatile boolean running = true;
    private int sessions;
    /** What a stop request runs; null until the runner sets it. */
    private volatile StopHandler stopHandler;
    /** The session answering a stop request, and when its answer is written. */
    private volatile Thread stopSession;
    private final CountDownLatch stopAnswered = new CountDownLatch(1);

    /**
     * Stops the array for a {@code stop} request: asks the runner to stop, waits until the array
     * is stopped (drained, flushed, marked clean) and returns the line to answer.
     */
    public interface StopHandler {
        String stop() throws InterruptedException, IOException;
    }

    private ControlServer(RaidArray array, String exportUri, Path path, ServerSocketChannel server,
            long idleMillis) {
        this.array = array;
        this.exportUri = exportUri;
        this.path = path;
        this.server = server;
        this.idleMillis = idleMillis;
        this.thread = new Thread(this::serve, "control");
        thread.setDaemon(true);
    }

    public static ControlServer start(RaidArray array, String exportUri, Path path) throws IOException {
        return start(array, exportUri, path, IDLE_MILLIS);
    }

    static ControlServer start(RaidArray array, String exportUri, Path path, long idleMillis) throws IOException {
        Path abs = path.toAbsolutePath();
        ServerSocketChannel ch = UnixSockets.bindPrivate(abs, "control socket");
        ControlServer c = new ControlServer(array, exportUri, abs, ch, idleMillis);
        c.thread.start();
        return c;
    }

    /** The accept loop: it only accepts and hands off, so nothing a client sends can stop it. */
    private void serve() {
        while (running) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (running) {
                    LOG.warn("control socket: {}", e.getMessage());
                }
                if (!server.isOpen()) {
                    return;
                }
                continue;
            }
            if (!clients.tryAcquire()) {
                refuseBusy(c);
                continue;
            }
            try {
                Thread t = new Thread(() -> session(c), "control-" + (++sessions));
                t.setDaemon(true);
                t.start();
            } catch (Throwable e) {
                // No thread to be had (memory, limits): this client is dropped, the loop goes on.
                clients.release();
                closeQuietly(c);
                LOG.warn("control socket: cannot serve a client: {}", e.toString());
            }
        }
    }

    private void refuseBusy(SocketChannel c) {
        try {
            c.configureBlocking(false);
            // A fresh socket's send buffer takes one short line without blocking.
            c.write(ByteBuffer.wrap(("error: control socket busy (" + MAX_CLIENTS
                    + " clients connected); try again\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException ignored) {
            // the client is gone already
        }
        closeQuietly(c);
    }

    private void session(SocketChannel c) {
        try {
            ControlSession s = new ControlSession(c, idleMillis);
            String line;
            try {
                line = s.readLine();
            } catch (ControlSession.BadRequest e) {
                s.write("error: " + e.getMessage() + "\n");
                return;
            }
            if (line != null) {
                s.write(answer(line));
            }
        } catch (IOException e) {
            LOG.debug("control client: {}", e.getMessage());
        } catch (Throwable e) {
            // Whatever went wrong stays with this client; the server keeps serving.
            LOG.error("control client: {}", e.toString());
        } finally {
            closeQuietly(c);
            clients.release();
            if (Thread.currentThread() == stopSession) {
                stopAnswered.countDown();
            }
        }
    }

    /** Who stops the array when a client sends {@code stop}. */
    public void onStop(StopHandler handler) {
        this.stopHandler = handler;
    }

    /**
     * After the array stopped on a stop request: waits (at most {@code millis}) until that
     * client has its answer, so the process does not exit under it.
     */
    public void awaitStopAnswered(long millis) throws InterruptedException {
        if (stopSession != null) {
            stopAnswered.await(millis, TimeUnit.MILLISECONDS);
        }
    }

    private String stop() throws IOException {
        StopHandler h = stopHandler;
        if (h == null) {
            return "error: this array cannot be stopped over its control socket\n";
        }
        stopSession = Thread.currentThread();
        try {
            return "ok\n" + h.stop() + "\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error: interrupted while stopping\n";
        }
    }

    /** The whole answer to one request line: "ok" and the text, or one "error: ..." line. */
    String answer(String line) {
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
                    return "ok\n" + DetailFormatter.text(array.status(), exportUri);
                case "detail-json":
                    return "ok\n" + DetailFormatter.json(array.status(), exportUri) + "\n";
                case "fail":
                case "remove":
                case "re-add":
                case "add":
                case "add-force":
                    synchronized (manageLock) {
                        return "ok\n" + manage(cmd, Path.of(arg)) + "\n";
                    }
                case "sync-action":
                    // md's sync_action file: check, repair, idle. Run with the other manage
                    // requests, one at a time: it looks at member states and then acts on them.
                    if (!SYNC_ACTIONS.contains(arg)) {
                        return "error: unknown sync action '" + oneLine(arg) + "': check, repair or idle\n";
                    }
                    synchronized (manageLock) {
                        return "ok\nbitmirror: " + array.status().name() + ": " + array.syncAction(arg) + "\n";
                    }
                case "stop":
                    return stop();
                default:
                    return "error: unknown control request '" + oneLine(cmd) + "'\n";
            }
        } catch (IOException e) {
            return "error: " + oneLine(e.getMessage()) + "\n";
        } catch (RuntimeException e) {
            LOG.error("control request {} failed", cmd, e);
            return "error: " + oneLine(e.toString()) + "\n";
        }
    }

    private String manage(String cmd, Path arg) throws IOException {
        switch (cmd) {
            case "fail":
                array.fail(arg);
                return "bitmirror: set " + arg + " faulty in " + array.status().name();
            case "remove":
                array.remove(arg);
                return "bitmirror: hot removed " + arg + " from " + array.status().name();
            case "re-add":
                array.reAdd(arg);
                return "bitmirror: re-added " + arg;
            default:
                // "add-force" is manage --add --force: the signature check is skipped.
                array.add(arg, cmd.equals("add-force"));
                return "bitmirror: added " + arg;
        }
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "failed";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
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
