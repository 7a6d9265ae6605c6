package io.bitmirror.raid.nbd;

import io.bitmirror.raid.array.RaidArray;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one array over NBD on a Unix socket (mode 0600, the default) or on TCP (loopback
 * unless remote clients were explicitly allowed). One thread accepts; each connection has a
 * reader, which runs fast requests itself, and a few workers for the rest; each connection has
 * its own budget of shared slots and of bytes in flight, so a client that does not read its
 * replies slows only itself. {@link #stop()} stops accepting, lets every connection finish the
 * requests it has for a short while, then closes the rest and drops their queued requests.
 */
public final class NbdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdServer.class);
    /** How long a stop lets connections finish and answer their requests before closing them. */
    static final long DRAIN_NANOS = 2_000_000_000L;

    private final RaidArray array;
    private final String exportName;
    private final ServerSocketChannel server;
    private final Path socketPath;
    private final String uri;
    private final Thread acceptor;
    private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
    private final NbdOptions options;
    private final Thread reaper;
    private volatile boolean running = true;
    private int ids;

    private NbdServer(RaidArray array, String exportName, ServerSocketChannel server, Path socketPath, String uri,
            NbdOptions options) {
        this.array = array;
        this.options = options;
        this.exportName = exportName;
        this.server = server;
        this.socketPath = socketPath;
        this.uri = uri;
        this.acceptor = new Thread(this::accept, "nbd-accept");
        acceptor.setDaemon(true);
        this.reaper = new Thread(this::reap, "nbd-handshake-timer");
        reaper.setDaemon(true);
    }

    /**
     * Starts serving at {@code uri}: {@code nbd+unix:///?socket=PATH} or {@code nbd://HOST:PORT}
     * (also {@code nbd://HOST:PORT/NAME}).
     *
     * @param allowRemote allow a TCP address that is not loopback
     */
    public static NbdServer start(RaidArray array, String exportName, String uri, boolean allowRemote)
            throws IOException {
        return start(array, exportName, uri, allowRemote, Dispatch.AUTO);
    }

    /**
     * As {@link #start(RaidArray, String, String, boolean)}, choosing who runs reads and writes.
     */
    public static NbdServer start(RaidArray array, String exportName, String uri, boolean allowRemote,
            Dispatch dispatch) throws IOException {
        return start(array, exportName, uri, allowRemote, NbdOptions.defaults(dispatch));
    }

    /**
     * As {@link #start(RaidArray, String, String, boolean)} with TLS and limits. A TCP export that
     * allows remote clients without TLS logs a warning: its blocks travel in clear text and
     * anyone who can connect may write.
     */
    public static NbdServer start(RaidArray array, String exportName, String uri, boolean allowRemote,
            NbdOptions options) throws IOException {
        NbdUri u = NbdUri.parse(uri);
        NbdServer s;
        if (u.socket() != null) {
            s = new NbdServer(array, exportName, UnixSockets.bindPrivate(u.socket(), "export socket"), u.socket(), uri, options);
        } else {
            InetAddress addr = u.tcpAddress(allowRemote);
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET);
            ch.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(new InetSocketAddress(addr, u.port()));
            s = new NbdServer(array, exportName, ch, null, uri, options);
            if (allowRemote && options.tls() == TlsMode.OFF) {
                LOG.warn("--allow-remote without TLS: blocks travel in clear text and anyone who can reach {} may "
                        + "read and write the array (use --tls=require)", uri);
            }
        }
        s.acceptor.start();
        s.reaper.start();
        LOG.info("exporting {} ({} bytes{}{}) at {}", exportName, array.sizeBytes(), array.readOnly() ? ", read-only" : "",
                options.tls() == TlsMode.OFF ? "" : ", tls=" + options.tls().name().toLowerCase(java.util.Locale.ROOT)
                        + (options.tlsVerifyPeer() ? ", client certificates required" : ""), uri);
        return s;
    }

    /** True when every connection ended within {@code nanos}. */
    private boolean awaitConnections(long nanos) {
        long end = System.nanoTime() + nanos;
        while (!connections.isEmpty() && System.nanoTime() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return connections.isEmpty();
    }

    private void accept() {
        while (running) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (running) {
                    LOG.warn("accept failed: {}", e.getMessage());
                }
                return;
            }
            try {
                if (c.getLocalAddress() instanceof InetSocketAddress) {
                    c.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                }
            } catch (IOException ignored) {
                // best effort
            }
            if (connections.size() >= options.maxConnections()) {
                // Refused before any thread or buffer is spent on it.
                LOG.warn("refusing a connection from {}: {} connections already (--max-connections)", peer(c),
                        options.maxConnections());
                try {
                    c.close();
                } catch (IOException ignored) {
                    // refusing anyway
                }
                continue;
            }
            NbdConnection conn = new NbdConnection(c, this, ++ids, System.nanoTime() + options.handshakeMillis() * 1_000_000L);
            connections.add(conn);
            if (!running) {
                // Accepted while stop() went through the connections: it is not served.
                conn.abort();
            }
            Thread t = new Thread(conn, "nbd-" + ids);
            t.setDaemon(true);
            t.start();
        }
    }

    private static String peer(SocketChannel c) {
        try {
            Object a = c.getRemoteAddress();
            return a == null || a.toString().isEmpty() ? "the export socket" : a.toString();
        } catch (IOException e) {
            return "a client";
        }
    }

    /** Closes connections still in the handshake past their deadline, a few times a second. */
    private void reap() {
        while (running) {
            long now = System.nanoTime();
            for (NbdConnection c : connections) {
                if (c.handshakeOverdue(now)) {
                    LOG.warn("connection {}: handshake not finished within {} ms, closing", c.id(), options.handshakeMillis());
                    c.abort();
                }
            }
            try {
                Thread.sleep(Math.min(250, Math.max(10, options.handshakeMillis() / 4)));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    TlsMode tlsMode() {
        return options.tls();
    }

    javax.net.ssl.SSLContext tlsContext() {
        return options.tlsContext();
    }

    boolean tlsVerifyPeer() {
        return options.tlsVerifyPeer();
    }

    RaidArray array() {
        return array;
    }

    Dispatch dispatch() {
        return options.dispatch();
    }

    String exportName() {
        return exportName;
    }

    String description() {
        return "bitmirror RAID-1 " + exportName;
    }

    int transmissionFlags() {
        if (array.readOnly()) {
            // Nothing that writes is offered (FUA, trim, write zeroes); a flush is harmless and
            // some clients send one regardless. What a client sends anyway gets EPERM.
            return Nbd.TFLAG_HAS_FLAGS | Nbd.TFLAG_READ_ONLY | Nbd.TFLAG_SEND_FLUSH | Nbd.TFLAG_CAN_MULTI_CONN;
        }
        return Nbd.TFLAG_HAS_FLAGS | Nbd.TFLAG_SEND_FLUSH | Nbd.TFLAG_SEND_FUA | Nbd.TFLAG_SEND_TRIM
                | Nbd.TFLAG_SEND_WRITE_ZEROES | Nbd.TFLAG_CAN_MULTI_CONN;
    }

    /** The export says NBD_FLAG_READ_ONLY (the array is read-only). */
    boolean readOnly() {
        return array.readOnly();
    }

    void closed(NbdConnection c) {
        connections.remove(c);
    }

    public String uri() {
        return uri;
    }

    /** Connections being served. */
    public int connections() {
        return connections.size();
    }

    /** Worker threads of the open connections, for allocation measurements. */
    public List<Thread> workerThreads() {
        List<Thread> t = new ArrayList<>();
        for (NbdConnection c : connections) {
            t.addAll(List.of(c.workerThreads()));
        }
        return t;
    }

    /**
     * Stops accepting, lets every connection finish and answer what it has for up to
     * {@link #DRAIN_NANOS}, then closes the connections that are still busy (a client that does
     * not read its replies, or keeps sending) and drops their queued requests. Returns when no
     * connection is left, so that nothing reaches the array after this: the caller stops the
     * array (and closes its members) next.
     */
    public void stop() {
        running = false;
        reaper.interrupt();
        try {
            server.close();
        } catch (IOException ignored) {
            // stopping anyway
        }
        for (NbdConnection c : connections) {
            c.shutdown();
        }
        if (!awaitConnections(DRAIN_NANOS)) {
            LOG.info("closing {} connection(s) still busy after {} ms", connections.size(), DRAIN_NANOS / 1_000_000);
            for (NbdConnection c : connections) {
                c.abort();
            }
            // Now only requests already on the array are waited for.
            if (!awaitConnections(30_000_000_000L)) {
                LOG.warn("{} connection(s) did not end", connections.size());
            }
        }
        if (socketPath != null) {
            try {
                Files.deleteIfExists(socketPath);
            } catch (IOException ignored) {
                // a leftover socket is replaced at the next start
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
