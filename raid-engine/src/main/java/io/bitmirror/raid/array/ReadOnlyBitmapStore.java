package io.bitmirror.raid.array;

import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bitmap store of a read-only array: reads pass through, a page write or flush fails. The
 * engine loaded read-only never issues one; this is the guard should it ever do, so that a
 * read-only array still writes nothing (the engine then sees a write error, never a write).
 */
final class ReadOnlyBitmapStore implements BitmapStore {
    private final BitmapStore store;

    ReadOnlyBitmapStore(BitmapStore store) {
        this.store = store;
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
        throw new IllegalStateException("bitmap page " + page + " write on a read-only array");
    }

    @Override
    public void flush() throws IOException {
        throw new IOException("bitmap flush on a read-only array");
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
