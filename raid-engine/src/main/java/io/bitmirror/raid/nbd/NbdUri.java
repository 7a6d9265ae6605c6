package io.bitmirror.raid.nbd;

import io.bitmirror.raid.ArrayException;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * An NBD URI (the NBD URI standard): {@code nbd+unix:///[NAME]?socket=PATH} or
 * {@code nbd://HOST[:PORT][/NAME]} (port 10809 by default).
 *
 * @param socket Unix socket path, or null for TCP
 * @param host TCP host
 * @param port TCP port
 * @param exportName the name in the path, or "" when none
 */
public record NbdUri(Path socket, String host, int port, String exportName) {

    /** The IANA port of NBD. */
    public static final int DEFAULT_PORT = 10809;
    /** Highest TCP port. */
    public static final int MAX_PORT = 65535;

    public static NbdUri parse(String text) throws ArrayException {
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            throw new ArrayException("--export " + text + ": not a URI (" + e.getReason() + ")");
        }
        String scheme = u.getScheme();
        String path = u.getPath() == null ? "" : u.getPath();
        String name = path.startsWith("/") ? path.substring(1) : path;
        if ("nbd+unix".equals(scheme)) {
            String q = u.getQuery();
            String sock = null;
            if (q != null) {
                for (String kv : q.split("&")) {
                    if (kv.startsWith("socket=")) {
                        sock = kv.substring(7);
                    }
                }
            }
            if (sock == null || sock.isEmpty()) {
                throw new ArrayException("--export " + text + ": nbd+unix needs ?socket=PATH");
            }
            return new NbdUri(Path.of(sock), null, 0, name);
        }
        if ("nbd".equals(scheme)) {
            if (u.getHost() == null) {
                throw new ArrayException("--export " + text + ": no host (use nbd://127.0.0.1:PORT)");
            }
            int port = u.getPort() < 0 ? DEFAULT_PORT : u.getPort();
            if (port < 1 || port > MAX_PORT) {
                throw new ArrayException("--export " + text + ": port " + port + " out of range (1-" + MAX_PORT + ")");
            }
            return new NbdUri(null, u.getHost(), port, name);
        }
        throw new ArrayException("--export " + text + ": scheme " + scheme + " is not nbd+unix or nbd (nbds needs TLS, "
                + "which bitmirror does not offer)");
    }

    /**
     * The address a TCP export binds: resolved, and refused unless it is loopback or
     * {@code allowRemote}. Callers check it before assembling, so a refused export writes nothing.
     */
    public InetAddress tcpAddress(boolean allowRemote) throws ArrayException {
        InetAddress addr;
        try {
            addr = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new ArrayException("--export nbd://" + host + ":" + port + ": unknown host " + host);
        }
        if (!addr.isLoopbackAddress() && !allowRemote) {
            throw new ArrayException("--export nbd://" + host + ":" + port + ": " + host
                    + " is not a loopback address; add --allow-remote to serve other hosts");
        }
        return addr;
    }

    /** The URI for a Unix socket. */
    public static String unix(Path socket) {
        return "nbd+unix:///?socket=" + socket.toAbsolutePath();
    }
}
