package io.bitmirror.raid.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of a connection. Workers send each reply at once; the reader, which runs
 * fast requests itself, batches its replies (copied, so their slots are free again) and sends
 * them in one write before it next reads the socket (see {@link SocketInput}). Every write to the socket happens under one lock, so
 * replies never interleave. After a failed write the connection is broken and nothing more is
 * sent.
 *
 * <p>Replies are simple (a 16-byte header) unless the client negotiated structured replies: then
 * a read's data is one OFFSET_DATA chunk, a success without data a NONE chunk, an error an ERROR
 * chunk with a short message, each with the DONE flag (one chunk per reply). The messages are
 * encoded once, so an error reply allocates nothing either.
 */
final class ReplyOutput {
    private static final Logger LOG = LoggerFactory.getLogger(ReplyOutput.class);

    private final GatheringByteChannel ch;
    private final int id;
    private final Object lock = new Object();
    /** The reader's batch; only the reader touches it, and sends it under {@link #lock}. */
    private final ByteBuffer batch;
    private volatile boolean broken;
    /** Set once before transmission starts (before the workers start), read-only afterwards. */
    private boolean structured;

    /** The largest header in front of a read's data: a structured OFFSET_DATA chunk's. */
    static final int MAX_DATA_HEADER = Nbd.CHUNK_LENGTH + 8;
    /** Room for any reply header without data, an error chunk with its message included. */
    static final int MAX_HEADER = Nbd.CHUNK_LENGTH + 6 + 64;
    private static final byte[] NO_MESSAGE = new byte[0];
    private static final byte[][] MESSAGES = new byte[128][];

    static {
        message(Nbd.EPERM, "the export is read-only");
        message(Nbd.EIO, "I/O error on the array");
        message(Nbd.EINVAL, "invalid request (range, length or command)");
        message(Nbd.ENOSPC, "request beyond the end of the export");
        message(Nbd.ENOTSUP, "not supported");
        message(Nbd.ESHUTDOWN, "server shutting down");
    }

    private static void message(int error, String text) {
        MESSAGES[error] = text.getBytes(StandardCharsets.UTF_8);
    }

    /** The ERROR chunk's message for {@code error}: fixed text, never anything the client sent. */
    static byte[] messageOf(int error) {
        byte[] m = error > 0 && error < MESSAGES.length ? MESSAGES[error] : null;
        return m == null ? NO_MESSAGE : m;
    }

    ReplyOutput(GatheringByteChannel ch, int id, int batchBytes) {
        this.ch = ch;
        this.id = id;
        this.batch = ByteBuffer.allocateDirect(batchBytes).order(ByteOrder.BIG_ENDIAN);
    }

    /** Structured replies from now on; called before transmission starts. */
    void structured(boolean on) {
        structured = on;
    }

    boolean structured() {
        return structured;
    }

    /** Bytes of the header {@link #putHeader} writes. */
    int headerBytes(int error, int dataBytes) {
        if (!structured) {
            return Nbd.REPLY_LENGTH;
        }
        if (error != 0) {
            return Nbd.CHUNK_LENGTH + 6 + messageOf(error).length;
        }
        return dataBytes > 0 ? MAX_DATA_HEADER : Nbd.CHUNK_LENGTH;
    }

    boolean broken() {
        return broken;
    }

    /** Sends the first {@code count} buffers of {@code gather} (header, then a read's data) now; any thread. */
    void send(ByteBuffer[] gather, int count) {
        synchronized (lock) {
            if (broken) {
                return;
            }
            try {
                long want = 0;
                for (int i = 0; i < count; i++) {
                    want += gather[i].remaining();
                }
                long done = 0;
                while (done < want) {
                    done += ch.write(gather, 0, count);
                }
            } catch (IOException e) {
                fail(e);
            }
        }
    }

    /** Sends all of {@code b} now (a batch of replies another thread gathered); any thread. */
    void send(ByteBuffer b) {
        synchronized (lock) {
            try {
                writeAll(b);
            } catch (IOException e) {
                fail(e);
            }
        }
    }

    /**
     * Adds a simple reply to the reader's batch; {@code data} (a read's bytes, or null) is copied.
     * Reader thread only.
     */
    void queue(int error, long cookie, long offset, ByteBuffer data) {
        int n = data == null ? 0 : data.remaining();
        reserve(headerBytes(error, n) + n);
        putHeader(batch, error, cookie, offset, n);
        if (data != null) {
            batch.put(data);
        }
    }

    /**
     * Makes room for {@code need} bytes (at most the batch's size) in the batch, sending it if
     * it has not. The reader calls this before it takes a slot for a read it runs itself, so that
     * the batch never goes out, and never waits on the client, while a shared slot is held.
     * Reader thread only.
     */
    void reserve(int need) {
        if (need > batch.capacity()) {
            throw new IllegalArgumentException("a reply of " + need + " bytes does not fit the batch");
        }
        if (batch.remaining() < need) {
            flush();
        }
    }

    /**
     * Writes the header of a reply at {@code b}'s position: simple (magic, error, cookie), or one
     * structured chunk with the DONE flag: ERROR with its message, OFFSET_DATA for
     * {@code dataBytes} bytes of a read at {@code offset} (the data follows), or NONE.
     */
    void putHeader(ByteBuffer b, int error, long cookie, long offset, int dataBytes) {
        if (!structured) {
            b.putInt(Nbd.SIMPLE_REPLY_MAGIC).putInt(error).putLong(cookie);
        } else if (error != 0) {
            byte[] m = messageOf(error);
            putChunk(b, Nbd.REPLY_TYPE_ERROR, cookie, 6 + m.length);
            b.putInt(error).putShort((short) m.length).put(m);
        } else if (dataBytes > 0) {
            putChunk(b, Nbd.REPLY_TYPE_OFFSET_DATA, cookie, 8 + dataBytes);
            b.putLong(offset);
        } else {
            putChunk(b, Nbd.REPLY_TYPE_NONE, cookie, 0);
        }
    }

    /** A structured chunk header with the DONE flag. */
    static void putChunk(ByteBuffer b, int type, long cookie, int length) {
        b.putInt(Nbd.STRUCTURED_REPLY_MAGIC).putShort((short) Nbd.REPLY_FLAG_DONE).putShort((short) type)
                .putLong(cookie).putInt(length);
    }

    /**
     * Adds a BLOCK_STATUS chunk to the reader's batch: {@code n} descriptors (length, flags) of
     * meta context {@code contextId}. Reader thread only.
     */
    void queueBlockStatus(long cookie, int contextId, long[] extents, int n) {
        queueBlockStatus(cookie, contextId, extents, n, true);
    }

    /** As above; {@code done} false when another context's chunk follows for the same request. */
    void queueBlockStatus(long cookie, int contextId, long[] extents, int n, boolean done) {
        reserve(Nbd.CHUNK_LENGTH + 4 + 8 * n);
        batch.putInt(Nbd.STRUCTURED_REPLY_MAGIC).putShort((short) (done ? Nbd.REPLY_FLAG_DONE : 0))
                .putShort((short) Nbd.REPLY_TYPE_BLOCK_STATUS).putLong(cookie).putInt(4 + 8 * n);
        batch.putInt(contextId);
        for (int i = 0; i < n; i++) {
            batch.putInt((int) (extents[i] >>> 32)).putInt((int) extents[i]);
        }
    }

    /** Sends the reader's batch. Reader thread only; called before every read of the socket. */
    void flush() {
        if (batch.position() == 0) {
            return;
        }
        batch.flip();
        synchronized (lock) {
            try {
                writeAll(batch);
            } catch (IOException e) {
                fail(e);
            }
        }
        batch.clear();
    }

    /**
     * For a reply whose data comes in pieces (a read larger than a slot): sends the batch, then
     * returns the lock, which the caller holds while it writes with {@link #writeHeld}, so that
     * no other reply comes in between.
     */
    Object beginStream() {
        flush();
        return lock;
    }

    /** Writes all of {@code b}; the caller holds the lock from {@link #beginStream}. */
    void writeHeld(ByteBuffer b) throws IOException {
        writeAll(b);
    }

    private void writeAll(ByteBuffer b) throws IOException {
        if (broken) {
            throw new IOException("connection broken");
        }
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private void fail(IOException e) {
        if (!broken) {
            broken = true;
            LOG.debug("connection {}: reply failed: {}", id, e.getMessage());
        }
    }
}
