package io.bitmirror.raid.remote;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * A remote member's NBD URI (the NBD URI standard, as libnbd reads it):
 * {@code nbd://HOST[:PORT][/EXPORT]}, {@code nbd+unix:///[EXPORT]?socket=PATH}, and with TLS
 * {@code nbds://...} and {@code nbds+unix://...}; a {@code tls-certificates=DIR} query names the
 * client's certificates (libnbd's key).
 *
 * <p>Members travel through the project as {@link Path}s, and a path collapses the URI's
 * {@code //} ({@code nbd://h:1/x} becomes {@code nbd:/h:1/x}): {@link #of(Path)} reads both
 * spellings, so a URI given on the command line survives the trip.
 *
 * @param tls nbds: STARTTLS before anything else
 * @param host TCP host, or null for a Unix socket
 * @param port TCP port
 * @param socket the Unix socket, or null
 * @param exportName the export's name ("" for the default)
 * @param tlsCertificates the query's {@code tls-certificates=DIR}, or null
 */
public record NbdMemberUri(boolean tls, String host, int port, Path socket, String exportName, Path tlsCertificates) {

    /** The IANA port of NBD. */
    public static final int DEFAULT_PORT = 10809;
    private static final String[] SCHEMES = {"nbds+unix", "nbd+unix", "nbds", "nbd"};

    /** The URI a member path names, or null when it is a file or device. */
    public static NbdMemberUri of(Path p) {
        if (p == null) {
            return null;
        }
        String text = restore(p.toString());
        if (text == null) {
            return null;
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** True when {@code p} is an NBD URI rather than a file or device. */
    public static boolean isRemote(Path p) {
        return p != null && restore(p.toString()) != null;
    }

    /**
     * Validates a member path that looks like a URI: null when it is fine or not a URI at all,
     * else a one-line reason (for the commands' bad-input messages).
     */
    public static String problem(Path p) {
        String text = p == null ? null : restore(p.toString());
        if (text == null) {
            return null;
        }
        try {
            parse(text);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The URI text of a path in either spelling, or null when it does not start with an NBD scheme. */
    private static String restore(String s) {
        for (String scheme : SCHEMES) {
            String prefix = scheme + ":";
            if (!s.startsWith(prefix)) {
                continue;
            }
            String rest = s.substring(prefix.length());
            if (rest.startsWith("//")) {
                return s;
            }
            if (!rest.startsWith("/")) {
                return null;
            }
            // A path collapsed "//" (and "///" of a Unix URI with an empty authority) into "/".
            return scheme.endsWith("+unix") ? prefix + "//" + rest : prefix + "/" + rest;
        }
        return null;
    }

    /**
     * Parses the URI text.
     *
     * @throws IllegalArgumentException with a one-line message naming the URI
     */
    public static NbdMemberUri parse(String text) {
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(text + ": not a URI (" + e.getReason() + ")");
        }
        String scheme = u.getScheme();
        if (scheme == null) {
            throw new IllegalArgumentException(text + ": not an NBD URI");
        }
        boolean tls = scheme.startsWith("nbds");
        String path = u.getPath() == null ? "" : u.getPath();
        String name = path.startsWith("/") ? path.substring(1) : path;
        String sock = null;
        Path certs = null;
        if (u.getQuery() != null) {
            for (String kv : u.getQuery().split("&")) {
                if (kv.startsWith("socket=")) {
                    sock = kv.substring(7);
                } else if (kv.startsWith("tls-certificates=")) {
                    certs = Path.of(kv.substring(17));
                }
            }
        }
        if (scheme.endsWith("+unix")) {
            if (sock == null || sock.isEmpty()) {
                throw new IllegalArgumentException(text + ": " + scheme + " needs ?socket=PATH");
            }
            return new NbdMemberUri(tls, null, 0, Path.of(sock), name, certs);
        }
        if (!scheme.equals("nbd") && !scheme.equals("nbds")) {
            throw new IllegalArgumentException(text + ": scheme " + scheme + " is not nbd, nbds, nbd+unix or nbds+unix");
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException(text + ": no host (nbd://HOST[:PORT]/EXPORT)");
        }
        int port = u.getPort() < 0 ? DEFAULT_PORT : u.getPort();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(text + ": port " + port + " out of range (1-65535)");
        }
        return new NbdMemberUri(tls, u.getHost(), port, null, name, certs);
    }

    /** The canonical URI text: what messages, {@code detail} and the superblock-side names show. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(tls ? "nbds" : "nbd");
        if (socket != null) {
            b.append("+unix:///").append(exportName).append("?socket=").append(socket);
        } else {
            b.append("://").append(host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host);
            if (port != DEFAULT_PORT) {
                b.append(':').append(port);
            }
            b.append('/').append(exportName);
        }
        if (tlsCertificates != null) {
            b.append(socket != null ? '&' : '?').append("tls-certificates=").append(tlsCertificates);
        }
        return b.toString();
    }

    /** The member path for this URI. */
    public Path asPath() {
        return Path.of(toString());
    }
}
