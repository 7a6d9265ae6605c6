package io.bitmirror.raid.array;

import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The array's bitmap store, with a switch that cuts its power: {@link RaidArray#abandon()} throws
 * it before it stops the bitmap engine, so the engine's last flush (every dirty page, written and
 * flushed on close) never reaches a member. An abandoned array then leaves the bitmap exactly as
 * durable as it was at the crash, which is what array-level crash tests need.
 *
 * <p>Package-private on purpose: no embedding program can silence its bitmap.
 */
final class PowerCutStore implements BitmapStore {
    private final BitmapStore store;
    private volatile boolean cut;

    PowerCutStore(BitmapStore store) {
        this.store = store;
    }

    /** From now on nothing is written or flushed. */
    void cut() {
        cut = true;
    }

    @Override
    public long sizeBytes() {
        return store.sizeBytes();
    }

    @Override
    public void readPage(int page, ByteBuffer dst) throws IOException {
        store.readPage(page, dst);
    }

    @Override
    public void writePage(int page, ByteBuffer src, int length, PendingWrites pending) {
        if (cut) {
            // Lost with the power: reported as done so that the engine stops without waiting.
            pending.begin();
            pending.end(true);
            return;
        }
        store.writePage(page, src, length, pending);
    }

    @Override
    public void flush() throws IOException {
        if (!cut) {
            store.flush();
        }
    }

    /** The threads that write the store's pages (an internal bitmap's fan-out), for allocation checks. */
    Thread[] threads() {
        return store instanceof io.bitmirror.raid.bitmap.InternalBitmapStore i ? i.threads() : new Thread[0];
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
