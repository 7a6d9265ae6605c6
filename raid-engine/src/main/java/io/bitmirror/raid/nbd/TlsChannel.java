package io.bitmirror.raid.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * TLS over a blocking socket with the JDK's {@link SSLEngine}, as a channel, so the connection's
 * reader ({@link SocketInput}) and reply side ({@link ReplyOutput}) work on it unchanged.
 * Reading (one thread: the reader) and writing (any thread) each hold their own lock: the engine
 * allows one wrap and one unwrap at a time, concurrently. When unwrapping asks for a wrap (a
 * post-handshake message such as a TLS 1.3 key update) the reader does it under the write lock.
 */
public final class TlsChannel implements ByteChannel, GatheringByteChannel {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel raw;
    private final SSLEngine engine;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    /** Received TLS records not yet unwrapped, in write mode. */
    private final ByteBuffer netIn;
    /** Plain text unwrapped and not yet read, in write mode. */
    private final ByteBuffer appIn;
    /** One wrapped record on its way out. */
    private final ByteBuffer netOut;

    /** TLS records per socket read or write at most: fewer system calls than one record each. */
    private static final int RECORDS_PER_IO = 4;
    /** One-element arrays for the engine's array forms, reused: no allocation per record. */
    private final ByteBuffer[] oneIn = new ByteBuffer[1];
    private final ByteBuffer[] oneOut = new ByteBuffer[1];
    private final int packetBytes;

    private TlsChannel(SocketChannel raw, SSLEngine engine) {
        this.raw = raw;
        this.engine = engine;
        SSLSession s = engine.getSession();
        this.packetBytes = s.getPacketBufferSize();
        // Heap buffers: the JDK's record ciphers work on arrays; direct buffers cost a copy each way.
        this.netIn = ByteBuffer.allocate(RECORDS_PER_IO * packetBytes);
        this.appIn = ByteBuffer.allocate(s.getApplicationBufferSize());
        this.netOut = ByteBuffer.allocate(RECORDS_PER_IO * packetBytes);
    }

    /**
     * The server side of a TLS handshake on {@code raw}, whose next byte is the client's first
     * TLS record.
     *
     * @param needClientAuth refuse a client without a certificate the context trusts
     */
    static TlsChannel accept(SocketChannel raw, SSLContext context, boolean needClientAuth) throws IOException {
        SSLEngine e = context.createSSLEngine();
        e.setUseClientMode(false);
        // The server's order wins, AES-128-GCM first: as safe as the 256-bit one for this use
        // and cheaper per record (clients such as gnutls ask for AES-256 first).
        javax.net.ssl.SSLParameters p = e.getSSLParameters();
        p.setUseCipherSuitesOrder(true);
        java.util.List<String> suites = new java.util.ArrayList<>(java.util.Arrays.asList(e.getEnabledCipherSuites()));
        for (String first : new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_AES_128_GCM_SHA256"}) {
            if (suites.remove(first)) {
                suites.add(0, first);
            }
        }
        p.setCipherSuites(suites.toArray(new String[0]));
        e.setSSLParameters(p);
        if (needClientAuth) {
            e.setNeedClientAuth(true);
        }
        TlsChannel t = new TlsChannel(raw, e);
        t.handshake();
        return t;
    }

    /**
     * The client side of a TLS handshake on {@code raw} (after the server acknowledged
     * STARTTLS): a remote member's connection. The server's certificate must chain to the
     * context's trust; over TCP it must also name {@code host} (as libnbd checks it).
     *
     * @param host the server's host name, or null for a Unix socket (no name to check)
     */
    public static TlsChannel connect(SocketChannel raw, SSLContext context, String host, int port) throws IOException {
        SSLEngine e = host == null ? context.createSSLEngine() : context.createSSLEngine(host, port);
        e.setUseClientMode(true);
        if (host != null) {
            javax.net.ssl.SSLParameters p = e.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            e.setSSLParameters(p);
        }
        TlsChannel t = new TlsChannel(raw, e);
        t.handshake();
        return t;
    }

    /** The peer's name, for log lines. */
    public String describe() {
        SSLSession s = engine.getSession();
        return s.getProtocol() + " " + s.getCipherSuite();
    }

    private void handshake() throws IOException {
        engine.beginHandshake();
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP:
                    synchronized (writeLock) {
                        wrapAndSend(new ByteBuffer[] {EMPTY}, 0, 1);
                    }
                    break;
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN:
                    synchronized (readLock) {
                        if (unwrapSome(appIn) < 0) {
                            throw new EOFException("client closed the connection during the TLS handshake");
                        }
                    }
                    break;
                case NEED_TASK:
                    runTasks();
                    break;
                default:
                    // FINISHED or NOT_HANDSHAKING
                    return;
            }
            if (engine.isInboundDone() || engine.isOutboundDone()) {
                throw new SSLException("TLS closed during the handshake");
            }
        }
    }

    private void runTasks() {
        Runnable r;
        while ((r = engine.getDelegatedTask()) != null) {
            r.run();
        }
    }

    /**
     * Unwraps what is buffered into {@code to}, reading the socket when a record is incomplete,
     * until some plain text or a handshake step came of it. A record larger than the room left
     * in {@code to} goes to {@link #appIn} instead. Read lock held.
     *
     * @return bytes of plain text this call produced (in {@code to}, or in {@link #appIn} when
     *     it had to), or -1 at end of stream
     */
    private int unwrapSome(ByteBuffer to) throws IOException {
        ByteBuffer target = to;
        while (true) {
            netIn.flip();
            SSLEngineResult r;
            try {
                oneIn[0] = target;
                r = engine.unwrap(netIn, oneIn, 0, 1);
            } finally {
                oneIn[0] = null;
                netIn.compact();
            }
            switch (r.getStatus()) {
                case OK:
                    if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                        runTasks();
                    }
                    // A record was consumed: plain text, or a handshake step the caller acts on.
                    return r.bytesProduced();
                case BUFFER_UNDERFLOW:
                    if (!netIn.hasRemaining()) {
                        throw new SSLException("TLS record larger than the packet buffer");
                    }
                    if (raw.read(netIn) < 0) {
                        return -1;
                    }
                    break;
                case BUFFER_OVERFLOW:
                    if (target != appIn) {
                        // The caller's buffer is too small for this record: through appIn.
                        target = appIn;
                        break;
                    }
                    // appIn is full of plain text the caller has not taken: let it take some.
                    return 0;
                case CLOSED:
                default:
                    return -1;
            }
        }
    }

    /**
     * Plain text straight into {@code dst} when the next record fits in it: the engine copies
     * it there once (it decrypts in its source buffer), no second copy through {@link #appIn}.
     */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        synchronized (readLock) {
            if (!dst.hasRemaining()) {
                return 0;
            }
            int n = 0;
            if (appIn.position() > 0) {
                // What an earlier record left over comes first, in order.
                n = drain(dst);
                if (appIn.position() > 0 || !dst.hasRemaining()) {
                    return n;
                }
            }
            while (n == 0) {
                int got = unwrapSome(dst);
                if (got < 0) {
                    return -1;
                }
                if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                    // A post-handshake message wants an answer (TLS 1.3 key update).
                    synchronized (writeLock) {
                        wrapAndSend(new ByteBuffer[] {EMPTY}, 0, 1);
                    }
                }
                if (appIn.position() > 0) {
                    // The record did not fit in dst: what fits now, the rest on the next read.
                    return drain(dst);
                }
                n = got;
            }
            // Records already received are unwrapped too, without touching the socket: one
            // read of the socket brings in several.
            while (dst.hasRemaining() && netIn.position() > 0) {
                netIn.flip();
                SSLEngineResult r;
                try {
                    oneIn[0] = dst;
                    r = engine.unwrap(netIn, oneIn, 0, 1);
                } finally {
                    oneIn[0] = null;
                    netIn.compact();
                }
                // BUFFER_OVERFLOW leaves the record in netIn for the next read.
                if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesProduced() == 0
                        || r.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING) {
                    break;
                }
                n += r.bytesProduced();
            }
            return n;
        }
    }

    /** Moves plain text from {@link #appIn} to {@code dst}. Read lock held. */
    private int drain(ByteBuffer dst) {
        appIn.flip();
        int n = Math.min(appIn.remaining(), dst.remaining());
        int lim = appIn.limit();
        appIn.limit(appIn.position() + n);
        dst.put(appIn);
        appIn.limit(lim);
        appIn.compact();
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        synchronized (writeLock) {
            oneOut[0] = src;
            try {
                return (int) wrapAndSend(oneOut, 0, 1);
            } finally {
                oneOut[0] = null;
            }
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        synchronized (writeLock) {
            return wrapAndSend(srcs, offset, length);
        }
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    /** Wraps all of {@code srcs} (or one handshake record when they are empty) and sends it. Write lock held. */
    private long wrapAndSend(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        boolean once = true;
        while (once || remaining(srcs, offset, length) > 0) {
            once = false;
            netOut.clear();
            // Several records into one socket write while they fit.
            do {
                SSLEngineResult r = engine.wrap(srcs, offset, length, netOut);
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new SSLException("TLS connection closed");
                }
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    throw new SSLException("TLS wrap: " + r.getStatus());
                }
                if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                total += r.bytesConsumed();
                if (r.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                        && r.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.FINISHED) {
                    // handshaking: one record, and the caller decides the next step
                    break;
                }
            } while (netOut.remaining() >= packetBytes && remaining(srcs, offset, length) > 0);
            netOut.flip();
            while (netOut.hasRemaining()) {
                raw.write(netOut);
            }
        }
        return total;
    }

    private static long remaining(ByteBuffer[] b, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += b[i].remaining();
        }
        return n;
    }

    /** Sends close_notify, best effort, before the socket is closed. */
    public void closeOutbound() {
        synchronized (writeLock) {
            try {
                engine.closeOutbound();
                netOut.clear();
                engine.wrap(EMPTY, netOut);
                netOut.flip();
                while (netOut.hasRemaining()) {
                    raw.write(netOut);
                }
            } catch (IOException ignored) {
                // the peer may be gone already
            }
        }
    }

    @Override
    public boolean isOpen() {
        return raw.isOpen();
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }
}
