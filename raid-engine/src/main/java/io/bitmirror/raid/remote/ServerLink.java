package io.bitmirror.raid.remote;

import io.bitmirror.raid.member.MemberPort;
import io.bitmirror.raid.nbd.Nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One negotiated connection to the server: requests pipelined on it, at most {@code depth} in
 * flight, each in a preallocated entry found again by the reply's cookie; one reader thread
 * takes the replies (simple, or structured chunks) and ends each request through its
 * {@link MemberPort.Done}. Nothing is allocated per request.
 *
 * <p>A broken connection (end of stream, a reset, a reply that makes no sense) ends every
 * request in flight failed and every later one at once: the link is down for good; the array
 * connects a new client to come back.
 */
final class ServerLink {
    private static final int FREE = 0;
    private static final int BUSY = 1;

    private final String name;
    private final ByteChannel ch;
    private final GatheringByteChannel gather;
    private final boolean structured;
    private final Entry[] entries;
    /** Free entries' indices, a stack under {@link #lock}. */
    private final int[] free;
    private int freeTop;
    private final Object lock = new Object();
    /** Serializes request headers and payloads on the connection. */
    private final Object sendLock = new Object();
    private final ByteBuffer header = ByteBuffer.allocateDirect(Nbd.REQUEST_LENGTH).order(ByteOrder.BIG_ENDIAN);
    private final ByteBuffer[] pair = new ByteBuffer[2];
    private final ByteBuffer reply = ByteBuffer.allocateDirect(32).order(ByteOrder.BIG_ENDIAN);
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(64 << 10);
    /** Received and not yet parsed (read mode): replies arrive many to a read. Reader thread only. */
    private final ByteBuffer in = ByteBuffer.allocateDirect(64 << 10).flip();
    /** Payloads this large are read into their own buffer directly. */
    private static final int DIRECT_READ = 16 << 10;
    private final Thread reader;
    private volatile boolean down;
    private volatile IOException lastError;
    /** Tags and completions of the requests a broken link ends, gathered under the lock. */
    private final long[] endTags;
    private final MemberPort.Done[] endDones;

    /** One request in flight. */
    private static final class Entry {
        final int index;
        final AtomicInteger state = new AtomicInteger(FREE);
        /** Bumped per use: a late or forged reply for an earlier use is not taken for this one. */
        int generation;
        int type;
        long offset;
        int length;
        /** A read's buffer and where its bytes start in it. */
        java.nio.ByteBuffer dst;
        int base;
        long tag;
        MemberPort.Done done;
        boolean failed;

        Entry(int index) {
            this.index = index;
        }
    }

    ServerLink(String name, ClientNegotiation.Agreed agreed, int depth) {
        this.name = name;
        this.ch = agreed.channel();
        this.gather = (GatheringByteChannel) agreed.channel();
        this.structured = agreed.structured();
        this.entries = new Entry[depth];
        this.free = new int[depth];
        for (int i = 0; i < depth; i++) {
            entries[i] = new Entry(i);
            free[i] = depth - 1 - i;
        }
        this.freeTop = depth;
        this.endTags = new long[depth];
        this.endDones = new MemberPort.Done[depth];
        this.reader = new Thread(this::read, "nbd-client " + name);
        reader.setDaemon(true);
        reader.start();
    }

    boolean down() {
        return down;
    }

    IOException lastError() {
        return lastError;
    }

    /**
     * Sends one request; {@code done} hears of it once. A read's bytes go to
     * {@code buffer[position, limit)}; a write's come from there (the buffer's position is left
     * as it was).
     */
    void submit(int type, int flags, long offset, int length, ByteBuffer buffer, long tag, MemberPort.Done done) {
        if (down) {
            done.ended(tag, false);
            return;
        }
        Entry e = acquire();
        if (e == null) {
            done.ended(tag, false);
            return;
        }
        e.type = type;
        e.offset = offset;
        e.length = length;
        e.dst = type == Nbd.CMD_READ ? buffer : null;
        e.base = buffer == null ? 0 : buffer.position();
        e.tag = tag;
        e.done = done;
        e.failed = false;
        // After the fields: the reader, which checks the state first, sees them set.
        e.state.set(BUSY);
        long cookie = ((long) e.generation << 32) | e.index;
        try {
            synchronized (sendLock) {
                header.clear();
                header.putInt(Nbd.REQUEST_MAGIC).putShort((short) flags).putShort((short) type).putLong(cookie)
                        .putLong(offset).putInt(length).flip();
                if (type == Nbd.CMD_WRITE) {
                    int at = buffer.position();
                    pair[0] = header;
                    pair[1] = buffer;
                    try {
                        while (header.hasRemaining() || buffer.hasRemaining()) {
                            gather.write(pair, 0, 2);
                        }
                    } finally {
                        pair[1] = null;
                        buffer.position(at);
                    }
                } else {
                    while (header.hasRemaining()) {
                        ch.write(header);
                    }
                }
            }
        } catch (IOException | RuntimeException x) {
            broken(x instanceof IOException ? (IOException) x : new IOException(x.toString(), x));
        }
    }

    /** A free entry, waiting while all are in flight; null once the link is down. */
    private Entry acquire() {
        synchronized (lock) {
            boolean interrupted = false;
            while (freeTop == 0 && !down) {
                try {
                    lock.wait();
                } catch (InterruptedException x) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (down) {
                return null;
            }
            Entry e = entries[free[--freeTop]];
            e.generation++;
            return e;
        }
    }

    /** Ends a request exactly once (the reader, or a broken link), and gives its entry back. */
    private void end(Entry e, boolean ok) {
        if (!e.state.compareAndSet(BUSY, FREE)) {
            return;
        }
        long tag = e.tag;
        MemberPort.Done done = e.done;
        e.done = null;
        e.dst = null;
        synchronized (lock) {
            free[freeTop++] = e.index;
            lock.notify();
        }
        done.ended(tag, ok);
    }

    /** The reader: one reply (or structured chunk) at a time. */
    private void read() {
        try {
            while (!down) {
                readFully(reply.clear().limit(4));
                int magic = reply.getInt(0);
                if (magic == Nbd.SIMPLE_REPLY_MAGIC) {
                    readFully(reply.clear().limit(12));
                    int error = reply.getInt(0);
                    Entry e = entry(reply.getLong(4));
                    if (error == 0 && e.type == Nbd.CMD_READ) {
                        into(e, 0, e.length);
                    }
                    if (error != 0) {
                        fail(e, error, null);
                    }
                    end(e, error == 0);
                } else if (magic == Nbd.STRUCTURED_REPLY_MAGIC && structured) {
                    chunk();
                } else {
                    throw new IOException("bad reply magic 0x" + Integer.toHexString(magic));
                }
            }
        } catch (IOException | RuntimeException x) {
            broken(x instanceof IOException ? (IOException) x : new IOException(x.toString(), x));
        }
    }

    /** One structured reply chunk. */
    private void chunk() throws IOException {
        readFully(reply.clear().limit(Nbd.CHUNK_LENGTH - 4));
        int flags = reply.getShort(0) & 0xffff;
        int type = reply.getShort(2) & 0xffff;
        Entry e = entry(reply.getLong(4));
        int length = reply.getInt(12);
        if (length < 0) {
            throw new IOException("structured chunk of " + Integer.toUnsignedString(length) + " bytes");
        }
        switch (type) {
            case Nbd.REPLY_TYPE_NONE:
                skip(length);
                break;
            case Nbd.REPLY_TYPE_OFFSET_DATA: {
                readFully(reply.clear().limit(8));
                long at = reply.getLong(0) - e.offset;
                int n = length - 8;
                if (e.type != Nbd.CMD_READ || at < 0 || n < 0 || at + n > e.length) {
                    throw new IOException("data chunk outside the read at " + e.offset);
                }
                into(e, (int) at, n);
                break;
            }
            case Nbd.REPLY_TYPE_OFFSET_HOLE: {
                readFully(reply.clear().limit(12));
                long at = reply.getLong(0) - e.offset;
                int n = reply.getInt(8);
                if (e.type != Nbd.CMD_READ || at < 0 || n < 0 || at + n > e.length || length != 12) {
                    throw new IOException("hole chunk outside the read at " + e.offset);
                }
                zero(e, (int) at, n);
                break;
            }
            default:
                if ((type & (1 << 15)) == 0) {
                    // An informational chunk this client did not ask for: skipped, as the protocol says.
                    skip(length);
                    break;
                }
                readFully(reply.clear().limit(Math.min(6, length)));
                int error = length >= 4 ? reply.getInt(0) : Nbd.EIO;
                int msgLen = length >= 6 ? reply.getShort(4) & 0xffff : 0;
                String msg = null;
                if (msgLen > 0 && msgLen <= length - 6) {
                    readFully(scratch.clear().limit(msgLen));
                    byte[] b = new byte[msgLen];
                    scratch.flip().get(b);
                    msg = new String(b, java.nio.charset.StandardCharsets.UTF_8);
                    skip(length - 6 - msgLen);
                } else {
                    skip(Math.max(0, length - 6));
                }
                fail(e, error, msg);
        }
        if ((flags & Nbd.REPLY_FLAG_DONE) != 0) {
            end(e, !e.failed);
        }
    }

    /** The entry a cookie names: in flight, and this use of it. */
    private Entry entry(long cookie) throws IOException {
        int i = (int) cookie;
        if (i < 0 || i >= entries.length) {
            throw new IOException("reply for unknown request " + Long.toHexString(cookie));
        }
        Entry e = entries[i];
        if (e.state.get() != BUSY || e.generation != (int) (cookie >>> 32)) {
            throw new IOException("reply for a request not in flight " + Long.toHexString(cookie));
        }
        return e;
    }

    private void fail(Entry e, int error, String msg) {
        e.failed = true;
        // Not on the fast path: an error reply is rare.
        lastError = new IOException(name + ": the server answered " + errno(error) + " to a "
                + command(e.type) + " at " + e.offset + (msg == null ? "" : " (" + msg + ")"));
    }

    private static String errno(int e) {
        switch (e) {
            case Nbd.EPERM: return "EPERM";
            case Nbd.EIO: return "EIO";
            case Nbd.EINVAL: return "EINVAL";
            case Nbd.ENOSPC: return "ENOSPC";
            case Nbd.ENOTSUP: return "ENOTSUP";
            case Nbd.ESHUTDOWN: return "ESHUTDOWN";
            default: return "error " + e;
        }
    }

    private static String command(int type) {
        switch (type) {
            case Nbd.CMD_READ: return "read";
            case Nbd.CMD_WRITE: return "write";
            case Nbd.CMD_FLUSH: return "flush";
            case Nbd.CMD_TRIM: return "trim";
            case Nbd.CMD_WRITE_ZEROES: return "write-zeroes";
            default: return "request " + type;
        }
    }

    /** Reads {@code n} payload bytes into the read's buffer at {@code at}. */
    private void into(Entry e, int at, int n) throws IOException {
        ByteBuffer d = e.dst;
        int lim = d.limit();
        int pos = d.position();
        d.limit(e.base + at + n).position(e.base + at);
        try {
            readFully(d);
        } finally {
            d.limit(lim).position(pos);
        }
    }

    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(64 << 10);

    private static void zero(Entry e, int at, int n) {
        ByteBuffer d = e.dst;
        for (int done = 0; done < n; ) {
            int k = Math.min(n - done, ZEROES.capacity());
            d.put(e.base + at + done, ZEROES, 0, k);
            done += k;
        }
    }

    private void skip(int n) throws IOException {
        while (n > 0) {
            int k = Math.min(n, scratch.capacity());
            readFully(scratch.clear().limit(k));
            n -= k;
        }
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (in.hasRemaining()) {
                int n = Math.min(in.remaining(), b.remaining());
                int lim = in.limit();
                in.limit(in.position() + n);
                b.put(in);
                in.limit(lim);
                continue;
            }
            if (b.remaining() >= DIRECT_READ) {
                // A large payload goes straight into its buffer: no copy.
                if (ch.read(b) < 0) {
                    throw new EOFException("the server closed the connection");
                }
                continue;
            }
            // Whatever the socket has: at a queue depth of many, one system call brings in many
            // replies, where a read per header field would cost several per request.
            in.clear();
            int got = ch.read(in);
            in.flip();
            if (got < 0) {
                throw new EOFException("the server closed the connection");
            }
        }
    }

    /** The link broke: everything in flight ends failed, and everything later at once. */
    void broken(IOException why) {
        synchronized (endTags) {
            brokenOnce(why);
        }
    }

    private void brokenOnce(IOException why) {
        int n = 0;
        synchronized (lock) {
            if (!down) {
                lastError = new IOException(name + ": connection lost: " + why.getMessage(), why);
                down = true;
            }
            lock.notifyAll();
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // gone already
        }
        for (Entry e : entries) {
            if (e.state.compareAndSet(BUSY, FREE)) {
                endTags[n] = e.tag;
                endDones[n++] = e.done;
                e.done = null;
                e.dst = null;
            }
        }
        for (int i = 0; i < n; i++) {
            MemberPort.Done d = endDones[i];
            endDones[i] = null;
            d.ended(endTags[i], false);
        }
    }

    /** Says goodbye (NBD_CMD_DISC) when still connected, closes, and waits for the reader. */
    void close() {
        if (!down) {
            try {
                synchronized (sendLock) {
                    header.clear();
                    header.putInt(Nbd.REQUEST_MAGIC).putShort((short) 0).putShort((short) Nbd.CMD_DISC).putLong(0)
                            .putLong(0).putInt(0).flip();
                    while (header.hasRemaining()) {
                        ch.write(header);
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // closing anyway
            }
        }
        broken(new IOException("closed"));
        try {
            reader.join(5_000);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        }
    }
}
