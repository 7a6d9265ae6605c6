package io.bitmirror.bitmapfile.store;

import static io.bitmirror.bitmapfile.BitmapFileException.about;

import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;
import io.bitmirror.bitmap.format.BitmapValidator;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;
import io.bitmirror.bitmapfile.BitmapFileException;
import io.bitmirror.bitmapfile.extent.ExtentMap;
import io.bitmirror.bitmapfile.extent.ExtentResolver;
import io.bitmirror.bitmapfile.extent.PageMap;
import io.bitmirror.bitmapfile.fs.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An external bitmap file written like a swap file: its extents were resolved once at open, and
 * every page write goes with O_DIRECT straight to the block device under the filesystem, at the
 * mapped offsets, without entering the filesystem or allocating memory.
 *
 * <p>Each page has a preallocated 4096-aligned direct buffer (initialised from the file at
 * open); a write copies the caller's image into it and issues one device write per segment (a
 * page crossing an extent boundary has several). Writes of the same page are serialised by that
 * page's monitor; different pages proceed in parallel. {@link #writePage} completes the write
 * before it returns, counting it in the caller's {@link PendingWrites}.
 *
 * <p>A failed write is never lost: it ends as {@code end(false)} in the caller's counter, and the
 * store enters the write-error state: later writes fail at once, {@link #flush()} throws, and
 * {@link #close()} tries to set the stale flag in the on-disk bitmap superblock, which makes the
 * next assemble treat every chunk as dirty (DESIGN.md W3).
 */
public final class ExternalBitmapStore implements BitmapStore {
    private static final Logger LOG = LoggerFactory.getLogger(ExternalBitmapStore.class);
    private static final int PAGE = BitmapGeometry.PAGE_SIZE;

    /** Checks a freshly resolved extent map against what was recorded; throws to refuse it. */
    @FunctionalInterface
    public interface MapVerifier {
        void verify(ExtentMap resolved) throws IOException;
    }

    private final Path file;
    private final Path device;
    private final ExtentMap extents;
    private final PageMap pages;
    private final int logicalBlockSize;
    private final BlockIo io;
    private final FileGuard guard;
    private final ByteBuffer[] pageBuffers;
    private final Object[] pageLocks;
    private final ByteBuffer readBuffer;
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean closed;
    private volatile boolean writeError;
    private volatile String writeErrorMessage;

    ExternalBitmapStore(Path file, Path device, ExtentMap extents, int logicalBlockSize, BlockIo io, FileGuard guard) {
        this.file = file;
        this.device = device;
        this.extents = extents;
        this.logicalBlockSize = logicalBlockSize;
        this.pages = PageMap.of(extents, PAGE, logicalBlockSize);
        this.io = io;
        this.guard = guard;
        this.pageBuffers = new ByteBuffer[pages.pages()];
        this.pageLocks = new Object[pages.pages()];
        for (int p = 0; p < pageBuffers.length; p++) {
            pageBuffers[p] = DirectBlockIo.allocateAligned(PAGE);
            pageLocks[p] = new Object();
        }
        this.readBuffer = DirectBlockIo.allocateAligned(PAGE);
    }

    /**
     * Opens {@code file} for direct page writes on {@code device}, the block device under its
     * filesystem (see {@link io.bitmirror.bitmapfile.fs.Placement}).
     *
     * <p>Order: lock and protect the file, fsync it (so no dirty page cache can be written back
     * over our writes later), only then resolve its extents (they can no longer change), check
     * them ({@code verifier}), open the device, read every page and check the bitmap superblock
     * against {@code arrayUuid}.
     */
    public static ExternalBitmapStore open(Path file, BlockDevice device, byte[] arrayUuid, MapVerifier verifier)
            throws IOException {
        FileGuard guard = FileGuard.acquire(file);
        BlockIo io = null;
        try {
            ExtentMap map = ExtentResolver.resolve(file);
            int lbs = device.logicalBlockSize();
            map.validate(file, lbs);
            verifier.verify(map);
            Path node = device.devNode();
            try {
                io = PosixBlockIo.open(node);
            } catch (IOException e) {
                throw new BitmapFileException(about(file) + "cannot open its device " + node + " with O_DIRECT: "
                        + e.getMessage(), e);
            }
            ExternalBitmapStore store = new ExternalBitmapStore(file, node, map, lbs, io, guard);
            store.load(arrayUuid);
            return store;
        } catch (IOException | RuntimeException e) {
            if (io != null) {
                io.close();
            }
            guard.release();
            throw e;
        }
    }

    /** Reads every page through the device into the page buffers and checks the superblock. */
    void load(byte[] arrayUuid) throws IOException {
        for (int p = 0; p < pageBuffers.length; p++) {
            readDevice(p, pageBuffers[p]);
        }
        BitmapSuperblock sb = new BitmapSuperblock().wrap(pageBuffers[0], 0);
        try {
            BitmapValidator.validate(sb, arrayUuid, extents.size());
        } catch (MdFormatException e) {
            throw new BitmapFileException(about(file) + e.getMessage(), e);
        }
    }

    @Override
    public long sizeBytes() {
        return extents.size();
    }

    @Override
    public void readPage(int page, ByteBuffer dst) throws IOException {
        checkPage(page);
        synchronized (readBuffer) {
            readDevice(page, readBuffer);
            int n = (int) Math.min(Math.min(PAGE, extents.size() - (long) page * PAGE), dst.remaining());
            dst.put(dst.position(), readBuffer, 0, n);
            dst.position(dst.position() + n);
        }
    }

    private void readDevice(int page, ByteBuffer buf) throws IOException {
        for (int s = pages.firstSegment(page); s < pages.firstSegment(page + 1); s++) {
            int off = pages.pageOffset(s);
            buf.limit(off + pages.length(s)).position(off);
            io.read(buf, pages.device(s));
        }
        buf.clear();
    }

    @Override
    public void writePage(int page, ByteBuffer src, int length, PendingWrites pending) {
        // Counted before anything can fail, so every begin has exactly one end.
        pending.begin();
        boolean ok = false;
        active.incrementAndGet();
        try {
            if (!closed && !writeError && page >= 0 && page < pageBuffers.length && length > 0 && length <= PAGE) {
                ok = write(page, src, length);
            } else if (!writeError) {
                fail(closed ? "write after close" : "bad page write (page " + page + ", length " + length + ")");
            }
        } finally {
            active.decrementAndGet();
            pending.end(ok);
        }
    }

    private boolean write(int page, ByteBuffer src, int length) {
        // Whole logical blocks, never past the mapped end of the page.
        int bytes = Math.min(roundUp(length), pages.pageBytes(page));
        synchronized (pageLocks[page]) {
            ByteBuffer buf = pageBuffers[page];
            // Copy: the device write needs an aligned direct buffer, and the caller's page image
            // may change as soon as this write has completed (W6 holds only until then).
            buf.put(0, src, 0, Math.min(length, src.capacity()));
            try {
                for (int s = pages.firstSegment(page); s < pages.firstSegment(page + 1); s++) {
                    int off = pages.pageOffset(s);
                    if (off >= bytes) {
                        break;
                    }
                    buf.limit(off + Math.min(pages.length(s), bytes - off)).position(off);
                    io.write(buf, pages.device(s));
                }
                return true;
            } catch (IOException | RuntimeException e) {
                fail("page " + page + " write failed: " + e.getMessage());
                return false;
            } finally {
                buf.clear();
            }
        }
    }

    private int roundUp(int n) {
        return (n + logicalBlockSize - 1) / logicalBlockSize * logicalBlockSize;
    }

    private void fail(String why) {
        if (!writeError) {
            writeErrorMessage = why;
            writeError = true;
            LOG.error("{}: {}; the bitmap is stale from now on (a full resync will follow)", file, why);
        }
    }

    /**
     * Flushes the device cache (fdatasync on the device node), so that every page write that
     * completed before this call is durable. Only after this may the flusher report an epoch
     * durable and let data writes go out (W1).
     *
     * @throws IOException when a page write failed earlier (the bitmap is stale) or the flush fails
     */
    @Override
    public void flush() throws IOException {
        if (writeError) {
            throw new BitmapFileException(about(file) + writeErrorMessage + "; the bitmap is stale");
        }
        try {
            io.flush();
        } catch (IOException e) {
            fail("device flush failed: " + e.getMessage());
            throw new BitmapFileException(about(file) + writeErrorMessage + "; the bitmap is stale", e);
        }
    }

    /** True once a page write or flush failed: the on-disk bitmap can no longer be trusted. */
    public boolean writeError() {
        return writeError;
    }

    /** What failed first, or null. */
    public String writeErrorMessage() {
        return writeErrorMessage;
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /** The block device node the pages are written to. */
    public Path device() {
        return device;
    }

    /** The extents resolved (and verified) at open. */
    public ExtentMap extents() {
        return extents;
    }

    /** True when the immutable flag protects the file while open. */
    public boolean immutable() {
        return guard != null && guard.immutable();
    }

    /**
     * Stops the store: waits for page writes in progress, flushes the device, marks the on-disk
     * bitmap stale if a write failed, then releases the file (clear immutable, fsync, drop its
     * page cache, unlock) so that buffered reads show the bytes on disk.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        while (active.get() != 0) {
            LockSupport.parkNanos(100_000);
        }
        IOException failure = null;
        try {
            if (writeError) {
                markStale();
            }
            io.flush();
        } catch (IOException e) {
            failure = e;
        } finally {
            try {
                io.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
            if (guard != null) {
                try {
                    guard.release();
                } catch (IOException e) {
                    failure = failure == null ? e : failure;
                }
            }
        }
        if (failure != null) {
            throw failure instanceof BitmapFileException ? failure
                    : new BitmapFileException(about(file) + "stop failed: " + failure.getMessage(), failure);
        }
    }

    /** Best effort: sets the stale flag in page 0 on the device (md does the same for a failed file). */
    private void markStale() throws IOException {
        ByteBuffer p0 = pageBuffers[0];
        synchronized (pageLocks[0]) {
            BitmapSuperblock sb = new BitmapSuperblock().wrap(p0, 0);
            sb.state(sb.state() | BitmapSuperblockLayout.STATE_STALE);
            int bytes = pages.pageBytes(0);
            for (int s = pages.firstSegment(0); s < pages.firstSegment(1); s++) {
                int off = pages.pageOffset(s);
                p0.limit(Math.min(off + pages.length(s), bytes)).position(off);
                io.write(p0, pages.device(s));
            }
            p0.clear();
        }
        LOG.warn("{}: marked the bitmap stale after a write error ({})", file, writeErrorMessage);
    }

    private void checkPage(int page) {
        if (page < 0 || page >= pageBuffers.length) {
            throw new IndexOutOfBoundsException("bitmap page " + page + " of " + pageBuffers.length);
        }
    }
}
