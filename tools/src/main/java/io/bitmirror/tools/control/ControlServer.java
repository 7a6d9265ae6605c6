package io.bitmirror.tools.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
 * <p>Each connection carries one request, a JSON object on one line, answered by the
 * {@link RequestHandler} its {@code "request"} names ({@link RequestRegistry}); see
 * docs/CONTROL.md.
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


    private final RaidArray array;
    private final String exportUri;
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final Semaphore clients = new Semaphore(MAX_CLIENTS);
    private final Object manageLock = new Object();
    private final RequestRegistry registry;
    private final long idleMillis;
    private volatile boolean running = true;
    private int sessions;
    /** What a stop request runs; null until the runner sets it. */
    private volatile StopHandler stopHandler;
    private volatile String bitmapFile;
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
            long idleMillis, RequestRegistry registry) {
        this.registry = registry;
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
        return start(array, exportUri, path, idleMillis, RequestRegistry.standard());
    }

    static ControlServer start(RaidArray array, String exportUri, Path path, long idleMillis,
            RequestRegistry registry) throws IOException {
        Path abs = path.toAbsolutePath();
        ServerSocketChannel ch = UnixSockets.bindPrivate(abs, "control socket");
        ControlServer c = new ControlServer(array, exportUri, abs, ch, idleMillis, registry);
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
            c.write(ByteBuffer.wrap(ControlJson.error("control socket busy (" + MAX_CLIENTS
                    + " clients connected); try again").getBytes(StandardCharsets.UTF_8)));
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
                s.write(ControlJson.error(e.getMessage()));
                return;
            }
            if (line != null) {
                String reply = answer(line, s);
                if (reply != null) {
                    s.write(reply);
                }
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

    /** Stops the array for a stop request and returns the runner's line; see {@link StopRequest}. */
    String stopArray() throws IOException {
        StopHandler h = stopHandler;
        if (h == null) {
            throw new RequestException("this array cannot be stopped over its control socket");
        }
        stopSession = Thread.currentThread();
        try {
            return h.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException("interrupted while stopping");
        }
    }

    /**
     * The reply line to one request line: {@code {"ok":true,"result":...}} or one
     * {@code {"ok":false,"error":...}}; null when a streaming handler wrote its own lines.
     */
    String answer(String line, ControlSession session) {
        JsonNode tree;
        try {
            tree = ControlJson.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            return ControlJson.error("malformed request (not JSON): " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            return ControlJson.error("malformed request: expected one JSON object {\"request\":NAME, ...}");
        }
        JsonNode name = tree.get("request");
        if (name == null || !name.isTextual()) {
            return ControlJson.error("malformed request: no \"request\" name (a string)");
        }
        RequestHandler h = registry.get(name.asText());
        if (h == null) {
            return ControlJson.error("unknown control request '" + name.asText() + "'");
        }
        Request r = new Request((ObjectNode) tree, this, session);
        try {
            JsonNode result;
            if (h.serializedWithManage()) {
                synchronized (manageLock) {
                    result = h.handle(r);
                }
            } else {
                result = h.handle(r);
            }
            return r.streamed() ? null : ControlJson.ok(result == null ? NullNode.getInstance() : result);
        } catch (IOException e) {
            if (r.streamed()) {
                // The client left a stream, or could not be written to: nothing more to say.
                LOG.debug("control stream {}: {}", h.name(), e.getMessage());
                return null;
            }
            return ControlJson.error(e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("control request {} failed", h.name(), e);
            return r.streamed() ? null : ControlJson.error(e.toString());
        }
    }

    RaidArray array() {
        return array;
    }

    /** The external bitmap file the array uses, for detail's Intent Bitmap; null for none or internal. */
    public void bitmapFile(String path) {
        this.bitmapFile = path;
    }

    String bitmapFile() {
        return bitmapFile;
    }

    String exportUri() {
        return exportUri;
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
