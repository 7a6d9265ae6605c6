package io.bitmirror.raid.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.GatheringByteChannel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of a connection. Workers send each reply at once; the reader, which runs
 * fast requests itself, batches its replies (copied, so their slots are free again) and sends
 * them in one write before it next reads the socket (see {@link SocketInput}). Every write to the socket happens under one lock, so
 * replies never interleave. After a failed write the connection is broken and nothing more is
 * sent.
 */
final class ReplyOutput {
    private static final Logger LOG = LoggerFactory.getLogger(ReplyOutput.class);

    private final GatheringByteChannel ch;
    private final int id;
    private final Object lock = new Object();
    /** The reader's batch; only the reader touches it, and sends it under {@link #lock}. */
    private final ByteBuffer batch;
    private volatile boolean broken;

    ReplyOutput(GatheringByteChannel ch, int id, int batchBytes) {
        this.ch = ch;
        this.id = id;
        this.batch = ByteBuffer.allocateDirect(batchBytes).order(ByteOrder.BIG_ENDIAN);
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

    /**
     * Adds a simple reply to the reader's batch; {@code data} (a read's bytes, or null) is copied.
     * Reader thread only.
     */
    void queue(int error, long cookie, ByteBuffer data) {
        reserve(Nbd.REPLY_LENGTH + (data == null ? 0 : data.remaining()));
        putHeader(batch, error, cookie);
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

    /** Writes a simple reply header (magic, error, cookie) at {@code b}'s position. */
    static void putHeader(ByteBuffer b, int error, long cookie) {
        b.putInt(Nbd.SIMPLE_REPLY_MAGIC).putInt(error).putLong(cookie);
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
