package io.bitmirror.raid.nbd;

import io.bitmirror.raid.ArrayException;

import java.net.URI;
import java.net.URISyntaxException;
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

    public static NbdUri parse(String text) {
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            throw new ArrayException("export " + text + ": not a URI (" + e.getReason() + ")");
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
                throw new ArrayException("export " + text + ": nbd+unix needs ?socket=PATH");
            }
            return new NbdUri(Path.of(sock), null, 0, name);
        }
        if ("nbd".equals(scheme)) {
            if (u.getHost() == null) {
                throw new ArrayException("export " + text + ": no host (use nbd://127.0.0.1:PORT)");
            }
            return new NbdUri(null, u.getHost(), u.getPort() < 0 ? DEFAULT_PORT : u.getPort(), name);
        }
        throw new ArrayException("export " + text + ": scheme " + scheme + " is not nbd+unix or nbd (nbds needs TLS, "
                + "which bitmirror does not offer)");
    }

    /** The URI for a Unix socket. */
    public static String unix(Path socket) {
        return "nbd+unix:///?socket=" + socket.toAbsolutePath();
    }
}
