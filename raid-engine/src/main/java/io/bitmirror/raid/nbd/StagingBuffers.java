package io.bitmirror.raid.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One connection's own memory for bytes that wait on its client: the data of read replies not yet
 * sent, and write payloads larger than the receive buffer while they arrive. The array's request
 * slots are shared by every connection, so a slot must never wait on a client: a reply's data is
 * copied here and its slot released before the reply is written, and a payload is gathered here
 * before a slot is taken. This is also the connection's budget of bytes in flight: at most
 * {@link #CHUNKS} chunks, taken by the reader before it starts a request, so a client that does
 * not read its replies stalls its own reader and nothing else.
 *
 * <p>Chunks are allocated the first time they are taken (lowest free first, so the steady state
 * reuses the same ones and allocates nothing). Each chunk belongs to one request at a time, whose
 * thread sets its position and limit.
 */
final class StagingBuffers {
    /** Chunks per connection (one bit each in the free mask). */
    static final int CHUNKS = 64;
    /** Largest request, in chunks: a slot's worth. */
    static final int PER_REQUEST = 16;
    private static final int MIN_CHUNK = 64 << 10;
    private static final long WAIT_NANOS = 50_000;

    private final int chunkBytes;
    private final ByteBuffer[] chunks = new ByteBuffer[CHUNKS];
    private final AtomicLong free = new AtomicLong(-1L);
    private volatile boolean closed;

    /** @param slotBytes the array's slot size: one request's data takes at most {@link #PER_REQUEST} chunks */
    StagingBuffers(int slotBytes) {
        int perChunk = (slotBytes + PER_REQUEST - 1) / PER_REQUEST;
        perChunk = (perChunk + 4095) & ~4095;
        this.chunkBytes = Math.max(MIN_CHUNK, perChunk);
    }

    int chunkBytes() {
        return chunkBytes;
    }

    /**
     * Takes enough chunks for {@code bytes} (at most a slot's worth), waiting while the
     * connection's replies and payloads in flight use them. Reader thread only.
     *
     * @return the chunks, as a mask
     * @throws IOException when the connection is closed while waiting
     */
    long take(long bytes) throws IOException {
        int n = (int) ((bytes + chunkBytes - 1) / chunkBytes);
        while (true) {
            long f = free.get();
            if (Long.bitCount(f) >= n) {
                long m = 0;
                long g = f;
                for (int i = 0; i < n; i++) {
                    long b = Long.lowestOneBit(g);
                    m |= b;
                    g &= ~b;
                }
                if (free.compareAndSet(f, f & ~m)) {
                    allocate(m);
                    return m;
                }
                continue;
            }
            if (closed) {
                throw new IOException("connection closed");
            }
            LockSupport.parkNanos(this, WAIT_NANOS);
        }
    }

    private void allocate(long m) {
        for (long g = m; g != 0; g &= g - 1) {
            int i = Long.numberOfTrailingZeros(g);
            if (chunks[i] == null) {
                chunks[i] = ByteBuffer.allocateDirect(chunkBytes);
            }
        }
    }

    /** Gives chunks back; any thread. */
    void give(long m) {
        if (m == 0) {
            return;
        }
        long f;
        do {
            f = free.get();
        } while (!free.compareAndSet(f, f | m));
    }

    /** Copies {@code src}'s remaining bytes into the chunks of {@code m}, in order. */
    void fill(long m, ByteBuffer src) {
        int lim = src.limit();
        for (long g = m; g != 0 && src.hasRemaining(); g &= g - 1) {
            ByteBuffer c = chunks[Long.numberOfTrailingZeros(g)];
            c.clear();
            src.limit(Math.min(lim, src.position() + chunkBytes));
            c.put(src);
            src.limit(lim);
        }
    }

    /**
     * Sets {@code into[at..]} to the chunks of {@code m} holding the first {@code bytes}.
     *
     * @return how many buffers were set
     */
    int views(long m, long bytes, ByteBuffer[] into, int at) {
        int k = at;
        long left = bytes;
        for (long g = m; g != 0 && left > 0; g &= g - 1) {
            ByteBuffer c = chunks[Long.numberOfTrailingZeros(g)];
            int n = (int) Math.min(left, chunkBytes);
            c.limit(n).position(0);
            into[k++] = c;
            left -= n;
        }
        return k - at;
    }

    /** Reads {@code bytes} from the client into the chunks of {@code m}; false at end of stream. */
    boolean receive(long m, long bytes, SocketInput in) throws IOException {
        long left = bytes;
        for (long g = m; g != 0 && left > 0; g &= g - 1) {
            ByteBuffer c = chunks[Long.numberOfTrailingZeros(g)];
            int n = (int) Math.min(left, chunkBytes);
            c.limit(n).position(0);
            if (!in.readInto(c)) {
                return false;
            }
            left -= n;
        }
        return true;
    }

    /** Copies the first {@code bytes} held in the chunks of {@code m} into {@code dst} at its position. */
    void drain(long m, long bytes, ByteBuffer dst) {
        long left = bytes;
        for (long g = m; g != 0 && left > 0; g &= g - 1) {
            ByteBuffer c = chunks[Long.numberOfTrailingZeros(g)];
            int n = (int) Math.min(left, chunkBytes);
            c.limit(n).position(0);
            dst.put(c);
            left -= n;
        }
    }

    /** Wakes the reader if it waits for chunks: the connection is going away. */
    void close() {
        closed = true;
    }
}
