package io.bitmirror.raid.nbd;

import javax.net.ssl.SSLContext;

/**
 * How the export serves its clients, beyond the address: who runs requests, TLS, and the limits
 * that keep a misbehaving or hostile client from costing more than one connection.
 *
 * @param dispatch who runs reads and writes
 * @param tls TLS mode; anything but {@link TlsMode#OFF} needs {@code tlsContext}
 * @param tlsContext server keys and trust (see {@link PemTls}), or null when TLS is off
 * @param tlsVerifyPeer require a client certificate signed by the CA
 * @param maxConnections connections served at once; more are closed at accept with a log line
 * @param handshakeMillis a connection that has not started transmission by then is closed
 */
public record NbdOptions(Dispatch dispatch, TlsMode tls, SSLContext tlsContext, boolean tlsVerifyPeer,
        int maxConnections, long handshakeMillis) {

    /** Default of {@code --max-connections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 128;
    /** Default handshake time limit: nbdkit's --timeout is off by default; a minute is generous for any client. */
    public static final long DEFAULT_HANDSHAKE_MILLIS = 60_000;

    public NbdOptions {
        if (tls != TlsMode.OFF && tlsContext == null) {
            throw new IllegalArgumentException("TLS " + tls + " needs certificates");
        }
        if (maxConnections < 1 || handshakeMillis < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /** Plain text, the default limits. */
    public static NbdOptions defaults(Dispatch dispatch) {
        return new NbdOptions(dispatch, TlsMode.OFF, null, false, DEFAULT_MAX_CONNECTIONS, DEFAULT_HANDSHAKE_MILLIS);
    }

    public NbdOptions withTls(TlsMode mode, SSLContext context, boolean verifyPeer) {
        return new NbdOptions(dispatch, mode, context, verifyPeer, maxConnections, handshakeMillis);
    }

    public NbdOptions withLimits(int connections, long millis) {
        return new NbdOptions(dispatch, tls, tlsContext, tlsVerifyPeer, connections, millis);
    }
}
