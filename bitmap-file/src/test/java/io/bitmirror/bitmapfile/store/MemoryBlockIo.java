package io.bitmirror.bitmapfile.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** A device in memory; can fail one chosen write and hold writes at a gate. */
final class MemoryBlockIo implements BlockIo {
    final ByteBuffer disk;
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger flushes = new AtomicInteger();
    volatile int failWrite = -1;
    volatile CountDownLatch gate;

    MemoryBlockIo(int size) {
        disk = ByteBuffer.allocate(size);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        int n = writes.getAndIncrement();
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
        if (n == failWrite) {
            throw new IOException("injected write failure (write " + n + ")");
        }
        disk.put((int) position, src, src.position(), src.remaining());
        src.position(src.limit());
    }

    @Override
    public void read(ByteBuffer dst, long position) {
        dst.put(dst.position(), disk, (int) position, dst.remaining());
        dst.position(dst.limit());
    }

    @Override
    public void flush() {
        flushes.incrementAndGet();
    }

    @Override
    public void close() {
    }
}
