package io.bitmirror.bitmap.engine;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A test store that checks the engine: page writes may complete later, on another thread, after a
 * random delay, and at completion the source buffer must still hold the bytes it held when the
 * write was issued (W6). Keeps "written" and "durable" images per copy, injects failures.
 * Allocates freely: not for allocation tests.
 */
final class CheckingStore implements BitmapStore {
    private static final int PAGE = BitmapGeometry.PAGE_SIZE;
    private final long size;
    private final byte[][] written;
    private final byte[][] durable;
    private final boolean[] unflushed;
    private final boolean async;
    private final SplittableRandom delays;
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Thread completer;
    private volatile boolean closed;
    private int failWrites;
    private int failFlushes;
    /** Injected failures actually delivered (a write or a flush that failed). */
    private long delivered;
    volatile String w6Violation;

    CheckingStore(long sizeBytes, int copies, boolean async, long seed) {
        this.size = sizeBytes;
        int pages = (int) ((sizeBytes + PAGE - 1) / PAGE);
        this.written = new byte[copies][pages * PAGE];
        this.durable = new byte[copies][pages * PAGE];
        this.unflushed = new boolean[pages];
        this.async = async;
        this.delays = new SplittableRandom(seed);
        if (async) {
            completer = new Thread(this::completeLoop, "checking-store-completer");
            completer.setDaemon(true);
            completer.start();
        } else {
            completer = null;
        }
    }

    private void completeLoop() {
        while (!closed) {
            try {
                Runnable r = queue.poll(10, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (r != null) {
                    r.run();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public long sizeBytes() {
        return size;
    }

    @Override
    public synchronized void readPage(int page, ByteBuffer dst) throws IOException {
        int at = page * PAGE;
        int len = (int) Math.min(Math.min(PAGE, size - at), dst.remaining());
        dst.put(written[0], at, len);
    }

    @Override
    public void writePage(int page, ByteBuffer src, int length, PendingWrites pending) {
        pending.begin();
        byte[] copy = new byte[length];
        src.get(0, copy);
        boolean fail;
        long delay;
        synchronized (this) {
            fail = failWrites > 0;
            if (fail) {
                failWrites--;
                delivered++;
            }
            delay = async ? delays.nextLong(1, 60_000) : 0;
        }
        Runnable done = () -> {
            if (delay > 0) {
                LockSupport.parkNanos(delay);
            }
            byte[] now = new byte[length];
            src.get(0, now);
            if (!java.util.Arrays.equals(now, copy) && w6Violation == null) {
                w6Violation = "W6: page " + page + " changed while it was being written";
            }
            if (!fail) {
                synchronized (CheckingStore.this) {
                    for (byte[] w : written) {
                        System.arraycopy(copy, 0, w, page * PAGE, length);
                    }
                    unflushed[page] = true;
                }
            }
            pending.end(!fail);
        };
        if (async) {
            queue.add(done);
        } else {
            done.run();
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (failFlushes > 0) {
            failFlushes--;
            delivered++;
            throw new IOException("injected flush failure");
        }
        for (int p = 0; p < unflushed.length; p++) {
            if (unflushed[p]) {
                unflushed[p] = false;
                for (int c = 0; c < written.length; c++) {
                    System.arraycopy(written[c], p * PAGE, durable[c], p * PAGE, PAGE);
                }
            }
        }
    }

    synchronized void failNextWrites(int n) {
        failWrites = n;
    }

    synchronized void failFlushes(int n) {
        failFlushes = n;
    }

    synchronized void heal() {
        failWrites = 0;
        failFlushes = 0;
    }

    /** How many injected failures the engine has met so far. */
    synchronized long delivered() {
        return delivered;
    }

    int copies() {
        return written.length;
    }

    synchronized boolean durableInEveryCopy(long chunk) {
        for (byte[] d : durable) {
            if (!BitmapBits.test(ByteBuffer.wrap(d), BitmapSuperblockLayout.LENGTH, chunk)) {
                return false;
            }
        }
        return true;
    }

    synchronized byte[] durableImage(int copy) {
        return durable[copy].clone();
    }

    @Override
    public void close() {
        closed = true;
        if (completer != null) {
            try {
                completer.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
