package io.bitmirror.faults.faulty;

import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A bitmap store (external file or any other) that misbehaves as its {@link FaultPlan} says.
 * Positions seen by the plan are byte offsets in the store: page {@code p} is at {@code p * 4096}.
 * A torn page write stores a seeded choice of the page's sectors over the old page.
 */
public final class FaultyBitmapStore implements BitmapStore {
    private static final int SECTOR = 512;

    private final BitmapStore store;
    private final FaultPlan plan;

    public FaultyBitmapStore(BitmapStore store, FaultPlan plan) {
        this.store = store;
        this.plan = plan;
    }

    @Override
    public long sizeBytes() {
        return store.sizeBytes();
    }

    @Override
    public void readPage(int page, ByteBuffer dst) throws IOException {
        FaultPlan.Decision d = plan.decide(FaultPlan.Op.READ, (long) page * BitmapGeometry.PAGE_SIZE, dst.remaining());
        if (d != null && d.fault() == Fault.ERROR) {
            throw new IOException("injected bitmap read error on page " + page);
        }
        store.readPage(page, dst);
    }

    @Override
    public void writePage(int page, ByteBuffer src, int length, PendingWrites pending) {
        FaultPlan.Decision d = plan.decide(FaultPlan.Op.WRITE, (long) page * BitmapGeometry.PAGE_SIZE, length);
        if (d == null) {
            store.writePage(page, src, length, pending);
            return;
        }
        switch (d.fault()) {
            case ERROR:
                pending.begin();
                pending.end(false);
                return;
            case DROP:
                pending.begin();
                pending.end(true);
                return;
            case TORN:
                store.writePage(page, torn(page, src, length, d.tearSeed()), length, pending);
                return;
            default:
                Sleep.atLeastMillis(d.delayMillis());
                store.writePage(page, src, length, pending);
        }
    }

    /** The old page with a seeded choice of the new page's sectors over it. */
    private ByteBuffer torn(int page, ByteBuffer src, int length, long seed) {
        ByteBuffer old = ByteBuffer.allocateDirect(BitmapGeometry.PAGE_SIZE);
        try {
            store.readPage(page, old.duplicate().limit(Math.min(BitmapGeometry.PAGE_SIZE,
                    (int) Math.min(Integer.MAX_VALUE, store.sizeBytes() - (long) page * BitmapGeometry.PAGE_SIZE))));
        } catch (IOException e) {
            // Unreadable old page: the torn sectors read as zeroes, which is what a new file holds.
        }
        boolean[] keep = FaultyDevice.tearMask((length + SECTOR - 1) / SECTOR, seed);
        for (int s = 0; s < keep.length; s++) {
            if (keep[s]) {
                int n = Math.min(SECTOR, length - s * SECTOR);
                old.put(s * SECTOR, src, s * SECTOR, n);
            }
        }
        return old.clear();
    }

    @Override
    public void flush() throws IOException {
        FaultPlan.Decision d = plan.decide(FaultPlan.Op.FLUSH, 0, 0);
        if (d != null && d.fault() == Fault.ERROR) {
            throw new IOException("injected bitmap flush error");
        }
        store.flush();
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
