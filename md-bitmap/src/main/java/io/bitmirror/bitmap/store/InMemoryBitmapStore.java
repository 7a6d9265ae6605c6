package io.bitmirror.bitmap.store;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A {@link BitmapStore} in memory with {@code copies} copies, for tests of this and other modules
 * (raid-engine, fault-injection). It keeps two images per copy, like a disk with a volatile cache:
 * "written" (what completed page writes left) and "durable" (what survived the last
 * {@link #flush()}); {@link #crash()} throws away what was not durable.
 *
 * <p>Faults on demand: {@link #failNextWrites(int)} fails page writes (the copy is left
 * unchanged), {@link #failFlushes(int)} fails flushes. Writes complete before {@code writePage}
 * returns. Allocation free on the write path. Thread-safe (one monitor).
 */
public final class InMemoryBitmapStore implements BitmapStore {
    private static final int PAGE = BitmapGeometry.PAGE_SIZE;
    private final long size;
    private final ByteBuffer[] written;
    private final ByteBuffer[] durable;
    private final boolean[] unflushed;
    private int failWrites;
    private int failFlushes;
    private long pageWrites;
    private long flushes;
    private final IOException flushFailure = new IOException("injected bitmap store flush failure");

    public InMemoryBitmapStore(long sizeBytes, int copies) {
        if (sizeBytes < BitmapSuperblockLayout.LENGTH || copies < 1) {
            throw new IllegalArgumentException("store needs at least 256 bytes and one copy");
        }
        this.size = sizeBytes;
        int pages = (int) ((sizeBytes + PAGE - 1) / PAGE);
        this.written = new ByteBuffer[copies];
        this.durable = new ByteBuffer[copies];
        for (int c = 0; c < copies; c++) {
            written[c] = ByteBuffer.allocate(pages * PAGE).order(ByteOrder.LITTLE_ENDIAN);
            durable[c] = ByteBuffer.allocate(pages * PAGE).order(ByteOrder.LITTLE_ENDIAN);
        }
        this.unflushed = new boolean[pages];
    }

    /** A one-copy store just big enough for {@code chunks} bits, rounded to whole pages. */
    public static InMemoryBitmapStore forChunks(long chunks, int copies) {
        return new InMemoryBitmapStore(BitmapGeometry.roundedBytes(chunks, PAGE), copies);
    }

    @Override
    public long sizeBytes() {
        return size;
    }

    public int copies() {
        return written.length;
    }

    @Override
    public synchronized void readPage(int page, ByteBuffer dst) throws IOException {
        long at = (long) page * PAGE;
        if (page < 0 || at >= size) {
            throw new IOException("bitmap page " + page + " is past the end of the store (" + size + " bytes)");
        }
        int len = (int) Math.min(Math.min(PAGE, size - at), dst.remaining());
        dst.put(dst.position(), written[0], (int) at, len);
        dst.position(dst.position() + len);
    }

    @Override
    public void writePage(int page, ByteBuffer src, int length, PendingWrites pending) {
        pending.begin();
        boolean ok;
        synchronized (this) {
            long at = (long) page * PAGE;
            ok = page >= 0 && length >= 0 && length <= PAGE && at + length <= size && failWrites == 0;
            if (failWrites > 0) {
                failWrites--;
            }
            if (ok) {
                for (ByteBuffer copy : written) {
                    copy.put((int) at, src, 0, length);
                }
                unflushed[page] = true;
                pageWrites++;
            }
        }
        pending.end(ok);
    }

    @Override
    public synchronized void flush() throws IOException {
        if (failFlushes > 0) {
            failFlushes--;
            throw flushFailure;
        }
        for (int p = 0; p < unflushed.length; p++) {
            if (unflushed[p]) {
                unflushed[p] = false;
                for (int c = 0; c < written.length; c++) {
                    durable[c].put(p * PAGE, written[c], p * PAGE, PAGE);
                }
            }
        }
        flushes++;
    }

    /** The next {@code n} page writes fail and change nothing. */
    public synchronized void failNextWrites(int n) {
        failWrites = n;
    }

    /** The next {@code n} flushes fail. */
    public synchronized void failFlushes(int n) {
        failFlushes = n;
    }

    /** Power cut: every copy goes back to its durable image. */
    public synchronized void crash() {
        for (int c = 0; c < written.length; c++) {
            written[c].put(0, durable[c], 0, durable[c].capacity());
        }
        java.util.Arrays.fill(unflushed, false);
    }

    /** Whether {@code chunk}'s bit is set in the durable image of {@code copy}. */
    public synchronized boolean durableBit(int copy, long chunk) {
        return BitmapBits.test(durable[copy], BitmapSuperblockLayout.LENGTH, chunk);
    }

    /** Whether {@code chunk}'s bit is set in every copy's durable image (W1 holds for it). */
    public synchronized boolean durableInEveryCopy(long chunk) {
        for (ByteBuffer d : durable) {
            if (!BitmapBits.test(d, BitmapSuperblockLayout.LENGTH, chunk)) {
                return false;
            }
        }
        return true;
    }

    /** A copy of the durable image of {@code copy} (tests). */
    public synchronized byte[] durableImage(int copy) {
        byte[] out = new byte[(int) size];
        durable[copy].get(0, out, 0, out.length);
        return out;
    }

    public synchronized long pageWrites() {
        return pageWrites;
    }

    public synchronized long flushes() {
        return flushes;
    }

    @Override
    public void close() {
    }
}
