package io.bitmirror.raid.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal NBD client that can also misbehave on purpose, for protocol tests. Every read and
 * write it makes is bounded by {@link #TIMEOUT_NANOS}: a watchdog closes the socket of an I/O
 * that takes longer, so a server that stops answering fails the test instead of hanging it.
 */
final class RawNbdClient implements AutoCloseable {
    static final long TIMEOUT_NANOS = 30_000_000_000L;

    final SocketChannel ch;
    long size;
    /** The transmission flags of NBD_INFO_EXPORT. */
    int transmissionFlags;
    /** When the I/O in progress must have finished; 0 while none is. */
    private volatile long deadline;
    private volatile boolean timedOut;
    private final Thread watchdog;

    RawNbdClient(Path socket) throws IOException {
        this(SocketChannel.open(StandardProtocolFamily.UNIX), UnixDomainSocketAddress.of(socket));
    }

    RawNbdClient(SocketChannel ch, java.net.SocketAddress to) throws IOException {
        this.ch = ch;
        ch.connect(to);
        watchdog = new Thread(this::watch, "raw-nbd-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void watch() {
        while (ch.isOpen()) {
            long d = deadline;
            if (d != 0 && System.nanoTime() - d > 0) {
                timedOut = true;
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing to wake the stuck test thread
                }
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void begin() {
        deadline = System.nanoTime() + TIMEOUT_NANOS;
    }

    private IOException end(IOException e) {
        deadline = 0;
        if (timedOut) {
            return new IOException("no progress from the server within " + TIMEOUT_NANOS / 1_000_000_000L + " s", e);
        }
        return e;
    }

    /**
     * Reads until {@code b} is full, within the timeout.
     *
     * @throws EOFException when the server closes first
     */
    void fill(ByteBuffer b) throws IOException {
        begin();
        try {
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    throw new EOFException("server closed the connection");
                }
            }
        } catch (EOFException e) {
            throw e;
        } catch (IOException e) {
            throw end(e);
        } finally {
            deadline = 0;
        }
    }

    /** One option reply: its type and data. */
    record OptionReply(int option, int type, ByteBuffer data) {
        String text() {
            return java.nio.charset.StandardCharsets.UTF_8.decode(data.duplicate()).toString();
        }
    }

    /** The greeting and the client flags: options may follow. */
    RawNbdClient greet() throws IOException {
        ByteBuffer hello = read(18);
        if (hello.getLong() != Nbd.NBDMAGIC || hello.getLong() != Nbd.IHAVEOPT) {
            throw new IOException("bad server greeting");
        }
        write(buf(4).putInt(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES).flip());
        return this;
    }

    /** Sends an option with {@code data}. */
    void sendOption(int option, ByteBuffer data) throws IOException {
        ByteBuffer h = buf(16);
        h.putLong(Nbd.IHAVEOPT).putInt(option).putInt(data.remaining());
        write(h.flip());
        write(data);
    }

    /** Reads one option reply. */
    OptionReply optionReply() throws IOException {
        ByteBuffer h = read(20);
        if (h.getLong() != Nbd.REPLY_MAGIC) {
            throw new IOException("bad option reply magic");
        }
        int option = h.getInt();
        int type = h.getInt();
        int len = h.getInt();
        return new OptionReply(option, type, read(len));
    }

    /** Sends an option and reads replies up to and including the first ACK or error. */
    List<OptionReply> option(int option, ByteBuffer data) throws IOException {
        sendOption(option, data);
        List<OptionReply> r = new ArrayList<>();
        while (true) {
            OptionReply o = optionReply();
            r.add(o);
            if (o.type() == Nbd.REP_ACK || o.type() < 0) {
                return r;
            }
        }
    }

    /** SET_META_CONTEXT or LIST_META_CONTEXT data: an export name and queries. */
    static ByteBuffer metaQuery(String export, String... queries) {
        int n = 8 + export.length();
        for (String q : queries) {
            n += 4 + q.length();
        }
        ByteBuffer b = buf(n);
        b.putInt(export.length()).put(export.getBytes()).putInt(queries.length);
        for (String q : queries) {
            b.putInt(q.length()).put(q.getBytes());
        }
        return b.flip();
    }

    /** STRUCTURED_REPLY, SET_META_CONTEXT base:allocation, then GO. */
    RawNbdClient structuredHandshake(boolean baseAllocation) throws IOException {
        greet();
        List<OptionReply> sr = option(Nbd.OPT_STRUCTURED_REPLY, buf(0));
        if (sr.get(sr.size() - 1).type() != Nbd.REP_ACK) {
            throw new IOException("structured replies refused");
        }
        if (baseAllocation) {
            option(Nbd.OPT_SET_META_CONTEXT, metaQuery("", Nbd.META_BASE_ALLOCATION));
        }
        return go();
    }

    /** One structured reply chunk. */
    record Chunk(int flags, int type, long cookie, ByteBuffer payload) {
    }

    /** Reads one structured reply chunk with its payload. */
    Chunk chunk() throws IOException {
        ByteBuffer h = read(20);
        if (h.getInt() != Nbd.STRUCTURED_REPLY_MAGIC) {
            throw new IOException("bad structured reply magic");
        }
        int flags = h.getShort() & 0xffff;
        int type = h.getShort() & 0xffff;
        long cookie = h.getLong();
        int len = h.getInt();
        return new Chunk(flags, type, cookie, read(len));
    }

    /** Fixed newstyle handshake with NBD_OPT_GO on the default export. */
    RawNbdClient handshake() throws IOException {
        return greet().go();
    }

    /** NBD_OPT_GO on the default export, after the greeting. */
    RawNbdClient go() throws IOException {
        ByteBuffer opt = buf(16 + 6);
        opt.putLong(Nbd.IHAVEOPT).putInt(Nbd.OPT_GO).putInt(6).putInt(0).putShort((short) 0);
        write(opt.flip());
        while (true) {
            ByteBuffer h = read(20);
            h.getLong();
            h.getInt();
            int type = h.getInt();
            int len = h.getInt();
            ByteBuffer data = read(len);
            if (type == Nbd.REP_INFO && data.getShort(0) == Nbd.INFO_EXPORT) {
                size = data.getLong(2);
                transmissionFlags = data.getShort(10) & 0xffff;
            }
            if (type == Nbd.REP_ACK) {
                return this;
            }
            if (type < 0) {
                throw new IOException("option error " + Integer.toHexString(type));
            }
        }
    }

    void request(int magic, int type, int flags, long cookie, long offset, long length) throws IOException {
        ByteBuffer r = buf(28);
        r.putInt(magic).putShort((short) flags).putShort((short) type).putLong(cookie).putLong(offset)
                .putInt((int) length);
        write(r.flip());
    }

    /** Reads a simple reply; returns the error. Fills {@code data} for a successful read. */
    int reply(long cookie, ByteBuffer data) throws IOException {
        ByteBuffer h = read(16);
        if (h.getInt() != Nbd.SIMPLE_REPLY_MAGIC) {
            throw new IOException("bad reply magic");
        }
        int err = h.getInt();
        long c = h.getLong();
        if (c != cookie) {
            throw new IOException("reply for cookie " + c + ", expected " + cookie);
        }
        if (err == 0 && data != null) {
            fill(data);
        }
        return err;
    }

    int write(long offset, byte[] payload, long cookie) throws IOException {
        request(Nbd.REQUEST_MAGIC, Nbd.CMD_WRITE, 0, cookie, offset, payload.length);
        write(ByteBuffer.wrap(payload));
        return reply(cookie, null);
    }

    byte[] read(long offset, int length, long cookie) throws IOException {
        request(Nbd.REQUEST_MAGIC, Nbd.CMD_READ, 0, cookie, offset, length);
        ByteBuffer d = ByteBuffer.allocate(length);
        int err = reply(cookie, d);
        if (err != 0) {
            throw new IOException("read error " + err);
        }
        return d.array();
    }

    /** Writes all of {@code b}, within the timeout. */
    void write(ByteBuffer b) throws IOException {
        begin();
        try {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } catch (IOException e) {
            throw end(e);
        } finally {
            deadline = 0;
        }
    }

    ByteBuffer read(int n) throws IOException {
        ByteBuffer b = buf(n);
        fill(b);
        return b.flip();
    }

    /** True when the server has closed the connection (reads end of stream), within the timeout. */
    boolean closedByServer() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        begin();
        try {
            return ch.read(b) < 0;
        } catch (IOException e) {
            throw end(e);
        } finally {
            deadline = 0;
        }
    }

    static ByteBuffer buf(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.BIG_ENDIAN);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
