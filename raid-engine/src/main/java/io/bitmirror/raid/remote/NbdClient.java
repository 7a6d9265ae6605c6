package io.bitmirror.raid.remote;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.member.MemberPort;
import io.bitmirror.raid.nbd.Nbd;
import io.bitmirror.raid.nbd.PemTls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import javax.net.ssl.SSLContext;

/**
 * A remote member: an NBD export reached over one or more connections ({@link ServerLink}), as
 * a {@link MemberDevice} whose requests the fan-out hands to its {@link MemberPort}. Requests
 * are pipelined (at most the queue depth in flight per connection) and end on the connection's
 * reader thread. With the server's {@code CAN_MULTI_CONN} the client opens several connections
 * and spreads requests over them; a flush on any of them covers the writes completed on all (the
 * flag's promise).
 *
 * <p>A write with FUA on a server that offers no FUA is written and then flushed; a trim is
 * {@code NBD_CMD_WRITE_ZEROES} (the member contract: a trimmed range reads back as zeroes, which
 * {@code NBD_CMD_TRIM} does not promise), or plain writes of zeroes when the server cannot.
 *
 * <p>The synchronous calls ({@link #read}, {@link #write}, ...) submit and wait on a waiter of
 * the calling thread's own, reused: nothing is allocated per request either way.
 */
public final class NbdClient implements MemberDevice, MemberPort {
    /** Connections when the server allows several ({@code CAN_MULTI_CONN}). */
    public static final int MULTI_CONN = 4;
    /** Largest piece of a zeroing done with writes (servers without WRITE_ZEROES). */
    private static final int ZERO_PIECE = 1 << 20;
    /** Largest WRITE_ZEROES request (its length is 32 bits). */
    private static final long MAX_ZEROES = 1L << 30;

    private final NbdMemberUri uri;
    private final String name;
    private final ServerLink[] links;
    private final ClientNegotiation.Agreed agreed;
    private final boolean writable;
    private final AtomicInteger next = new AtomicInteger();
    private final ThreadLocal<Waiter> waiters = ThreadLocal.withInitial(Waiter::new);
    private final FuaFollowUp[] fua;
    private volatile IOException lastError;
    private volatile boolean closed;

    private NbdClient(NbdMemberUri uri, ClientNegotiation.Agreed first, ServerLink[] links, boolean writable,
            int depth) {
        this.uri = uri;
        this.name = uri.toString();
        this.agreed = first;
        this.links = links;
        this.writable = writable;
        this.fua = new FuaFollowUp[links.length * depth];
        for (int i = 0; i < fua.length; i++) {
            fua[i] = new FuaFollowUp(i);
        }
    }

    /**
     * Connects to the export.
     *
     * @param tlsCertificates the client's ca-cert.pem, client-cert.pem, client-key.pem for nbds
     *     (the URI's own {@code tls-certificates=} wins); may be null for a plain URI
     * @param writable the member is written: a read-only export is refused
     * @param queueDepth requests in flight per connection at most
     * @throws IOException with one line naming the URI: unreachable, refused, no such export,
     *     TLS required or failed, read-only
     */
    public static NbdClient connect(NbdMemberUri uri, Path tlsCertificates, boolean writable, int queueDepth)
            throws IOException {
        SSLContext tls = null;
        if (uri.tls()) {
            Path dir = uri.tlsCertificates() != null ? uri.tlsCertificates() : tlsCertificates;
            if (dir == null) {
                throw new IOException(uri + ": TLS needs the client's certificates: --tls-certificates=DIR "
                        + "(ca-cert.pem, client-cert.pem, client-key.pem)");
            }
            try {
                tls = PemTls.client(dir);
            } catch (ArrayException e) {
                throw new IOException(uri + ": " + e.getMessage(), e);
            }
        }
        ClientNegotiation.Agreed first = ClientNegotiation.connect(uri, tls);
        if (writable && first.has(Nbd.TFLAG_READ_ONLY)) {
            close(first);
            throw new IOException(uri + ": the export is read-only; a member must be writable");
        }
        int n = first.has(Nbd.TFLAG_CAN_MULTI_CONN) ? MULTI_CONN : 1;
        ServerLink[] links = new ServerLink[n];
        links[0] = new ServerLink(uri.toString(), first, queueDepth);
        try {
            for (int i = 1; i < n; i++) {
                ClientNegotiation.Agreed more = ClientNegotiation.connect(uri, tls);
                if (more.sizeBytes() != first.sizeBytes()) {
                    close(more);
                    throw new IOException(uri + ": the export's size changed between two connections");
                }
                links[i] = new ServerLink(uri.toString(), more, queueDepth);
            }
        } catch (IOException | RuntimeException e) {
            for (ServerLink l : links) {
                if (l != null) {
                    l.close();
                }
            }
            throw e;
        }
        return new NbdClient(uri, first, links, writable, queueDepth);
    }

    private static void close(ClientNegotiation.Agreed a) {
        try {
            a.channel().close();
        } catch (IOException ignored) {
            // refusing anyway
        }
    }

    /** The URI this client is connected to. */
    public NbdMemberUri uri() {
        return uri;
    }

    /** Connections in use (more than one when the server allows it). */
    public int connections() {
        return links.length;
    }

    /** True while every connection works. */
    public boolean connected() {
        return !linkDown();
    }

    // ================================================================= MemberDevice

    @Override
    public String name() {
        return name;
    }

    @Override
    public long sizeBytes() {
        return agreed.sizeBytes();
    }

    @Override
    public int logicalBlockSize() {
        return Math.max(512, agreed.minBlock());
    }

    @Override
    public MemberPort port() {
        return this;
    }

    @Override
    public boolean linkDown() {
        for (ServerLink l : links) {
            if (l.down()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        Waiter w = waiters.get();
        w.reset();
        submitRead(position, dst, 0, w);
        w.await();
        dst.position(dst.limit());
    }

    @Override
    public void write(long position, ByteBuffer src, boolean fua) throws IOException {
        Waiter w = waiters.get();
        w.reset();
        submitWrite(position, src, fua, 0, w);
        w.await();
        src.position(src.limit());
    }

    @Override
    public void flush() throws IOException {
        Waiter w = waiters.get();
        w.reset();
        submitFlush(0, w);
        w.await();
    }

    @Override
    public void trim(long position, long length) throws IOException {
        Waiter w = waiters.get();
        w.reset();
        submitTrim(position, length, 0, w);
        w.await();
    }

    @Override
    public void close() {
        closed = true;
        for (ServerLink l : links) {
            l.close();
        }
    }

    // ================================================================= MemberPort

    private ServerLink link() {
        if (links.length == 1) {
            return links[0];
        }
        return links[Math.floorMod(next.getAndIncrement(), links.length)];
    }

    private boolean refuse(long tag, Done done, String why) {
        lastError = new IOException(name + ": " + why);
        done.ended(tag, false);
        return true;
    }

    @Override
    public void submitRead(long position, ByteBuffer dst, long tag, Done done) {
        int n = dst.remaining();
        if (n > agreed.maxBlock() && refuse(tag, done, "a read of " + n + " bytes is larger than the server's "
                + agreed.maxBlock())) {
            return;
        }
        link().submit(Nbd.CMD_READ, 0, position, n, dst, tag, done);
    }

    @Override
    public void submitWrite(long position, ByteBuffer src, boolean fua, long tag, Done done) {
        int n = src.remaining();
        if (!writable && refuse(tag, done, "opened read-only")) {
            return;
        }
        if (n > agreed.maxBlock() && refuse(tag, done, "a write of " + n + " bytes is larger than the server's "
                + agreed.maxBlock())) {
            return;
        }
        ServerLink l = link();
        if (!fua || agreed.has(Nbd.TFLAG_SEND_FUA)) {
            l.submit(Nbd.CMD_WRITE, fua ? Nbd.CMD_FLAG_FUA : 0, position, n, src, tag, done);
            return;
        }
        // No FUA on this server: the write, then a flush on its connection when it ended well.
        FuaFollowUp f = followUp();
        f.arm(l, tag, done);
        l.submit(Nbd.CMD_WRITE, 0, position, n, src, f.index, f);
    }

    @Override
    public void submitFlush(long tag, Done done) {
        if (!agreed.has(Nbd.TFLAG_SEND_FLUSH)) {
            // The server has no cache to flush (it says so by not offering FLUSH).
            done.ended(tag, !linkDown());
            return;
        }
        links[0].submit(Nbd.CMD_FLUSH, 0, 0, 0, null, tag, done);
    }

    @Override
    public void submitTrim(long position, long length, long tag, Done done) {
        if (!writable && refuse(tag, done, "opened read-only")) {
            return;
        }
        if (agreed.has(Nbd.TFLAG_SEND_WRITE_ZEROES) && length <= MAX_ZEROES) {
            link().submit(Nbd.CMD_WRITE_ZEROES, 0, position, (int) length, null, tag, done);
            return;
        }
        // Rare (a discard of a huge range, or a server without WRITE_ZEROES): in pieces, here.
        boolean ok = true;
        try {
            zeroInPieces(position, length);
        } catch (IOException e) {
            lastError = e;
            ok = false;
        }
        done.ended(tag, ok);
    }

    private ByteBuffer zeroes;

    private void zeroInPieces(long position, long length) throws IOException {
        long at = position;
        long end = position + length;
        boolean zeroesCmd = agreed.has(Nbd.TFLAG_SEND_WRITE_ZEROES);
        // A waiter of its own: the calling thread's may be waiting for this very trim.
        Waiter w = new Waiter();
        while (at < end) {
            w.reset();
            if (zeroesCmd) {
                int n = (int) Math.min(end - at, MAX_ZEROES);
                link().submit(Nbd.CMD_WRITE_ZEROES, 0, at, n, null, 0, w);
                w.await();
                at += n;
            } else {
                int n = (int) Math.min(end - at, ZERO_PIECE);
                ByteBuffer z;
                synchronized (this) {
                    if (zeroes == null) {
                        zeroes = ByteBuffer.allocateDirect(ZERO_PIECE);
                    }
                    z = zeroes.duplicate();
                }
                z.clear().limit(n);
                link().submit(Nbd.CMD_WRITE, 0, at, n, z, 0, w);
                w.await();
                at += n;
            }
        }
    }

    @Override
    public IOException lastError() {
        IOException own = lastError;
        if (own != null) {
            return own;
        }
        for (ServerLink l : links) {
            if (l.lastError() != null) {
                return l.lastError();
            }
        }
        return null;
    }

    // ================================================================= helpers

    private final AtomicInteger fuaNext = new AtomicInteger();

    /** A free follow-up for a FUA write on a server without FUA (rare: a linear search). */
    private FuaFollowUp followUp() {
        while (true) {
            for (int i = 0; i < fua.length; i++) {
                FuaFollowUp f = fua[Math.floorMod(fuaNext.getAndIncrement(), fua.length)];
                if (f.busy.compareAndSet(false, true)) {
                    return f;
                }
            }
            LockSupport.parkNanos(100_000L);
        }
    }

    /** The flush after a write that should have been FUA; then the caller's completion. */
    private final class FuaFollowUp implements Done {
        final int index;
        final java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();
        ServerLink link;
        long tag;
        Done done;
        boolean flushed;

        FuaFollowUp(int index) {
            this.index = index;
        }

        void arm(ServerLink l, long t, Done d) {
            link = l;
            tag = t;
            done = d;
            flushed = false;
        }

        @Override
        public void ended(long ignored, boolean ok) {
            if (ok && !flushed && agreed.has(Nbd.TFLAG_SEND_FLUSH)) {
                flushed = true;
                link.submit(Nbd.CMD_FLUSH, 0, 0, 0, null, index, this);
                return;
            }
            Done d = done;
            long t = tag;
            done = null;
            busy.set(false);
            d.ended(t, ok);
        }
    }

    /** A thread's wait for its own synchronous request; reused, so nothing is allocated per call. */
    private final class Waiter implements Done {
        private volatile boolean ended;
        private volatile boolean ok;
        private Thread thread;

        void reset() {
            ended = false;
            thread = Thread.currentThread();
        }

        @Override
        public void ended(long tag, boolean good) {
            ok = good;
            ended = true;
            LockSupport.unpark(thread);
        }

        void await() throws IOException {
            while (!ended) {
                LockSupport.park(this);
            }
            if (!ok) {
                IOException e = lastError();
                throw e != null ? new IOException(e.getMessage(), e) : new IOException(name + ": I/O error");
            }
        }
    }
}
