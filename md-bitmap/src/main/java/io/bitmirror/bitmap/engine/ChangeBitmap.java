package io.bitmirror.bitmap.engine;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.ChangeBitmapHeader;
import io.bitmirror.bitmap.format.ChangeBitmapLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One persistent changed-block bitmap (changed-block tracking): one bit per write-intent chunk,
 * set before the first data write to that chunk since the last clear, made durable by the
 * write-intent bitmap's flusher in the same commit as the write-intent bits (so a data write
 * never goes out before its tracking bit is on disk), cleared only by {@link
 * WriteIntentBitmap#clearChanges}. Stored in a file of its own ({@link ChangeBitmapLayout}).
 *
 * <p>Two copies of the bits: {@link #words} is what writers test without the engine lock (a
 * volatile read, no allocation); the page image is what the flusher writes. Both change only
 * under the engine lock.
 */
public final class ChangeBitmap {
    private final String name;
    private final Path file;
    private final FileChannel channel;
    private final long chunks;
    private final int chunkBytes;
    private final AtomicLongArray words;
    private final PageImages pages;
    private final int[] batch;
    private final ChangeBitmapHeader header = new ChangeBitmapHeader();
    /** Pages snapshotted for the commit in progress (flusher only). */
    private int snapshotted;
    private volatile boolean inconsistent;
    /** Called on the flusher after each sync of the file (the crash recorder's probe), or null. */
    private volatile Runnable afterSync;

    private ChangeBitmap(String name, Path file, FileChannel channel, long chunks, int chunkBytes) {
        this.name = name;
        this.file = file;
        this.channel = channel;
        this.chunks = chunks;
        this.chunkBytes = chunkBytes;
        this.words = new AtomicLongArray((int) ((chunks + 63) >>> 6));
        long image = ChangeBitmapLayout.LENGTH + ((chunks + 7) >>> 3);
        this.pages = new PageImages(image, image);
        this.batch = new int[pages.pages()];
        header.wrap(pages.live(), 0);
    }

    /**
     * Creates {@code file} (refused if it exists) with no bit set, durable (file and directory)
     * before it returns; written to a temporary name first, so a crash leaves no half file.
     */
    public static ChangeBitmap create(Path file, String name, byte[] uuid, int chunkBytes, long chunks)
            throws IOException {
        if (Files.exists(file)) {
            throw new IOException("changed-block bitmap " + name + " already exists (" + file + ")");
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        ChangeBitmap cb = new ChangeBitmap(name, file, ch, chunks, chunkBytes);
        try {
            cb.header.init(uuid, chunkBytes, chunks, name);
            cb.pages.markAllDirty();
            int n = cb.pages.snapshotDirty(cb.batch);
            cb.snapshotted = n;
            if (!cb.writeSnapshot()) {
                throw new IOException("writing changed-block bitmap " + tmp + " failed");
            }
            ch.close();
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(file.toAbsolutePath().getParent());
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
        return open(file, uuid, chunkBytes, chunks);
    }

    /** Opens an existing bitmap of this array; a wrong file is an MdFormatException naming what is wrong. */
    public static ChangeBitmap open(Path file, byte[] uuid, int chunkBytes, long chunks) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer head = ByteBuffer.allocate(ChangeBitmapLayout.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, head, 0);
            ChangeBitmapHeader h = new ChangeBitmapHeader().wrap(head, 0);
            h.validate(uuid, chunkBytes, chunks);
            ChangeBitmap cb = new ChangeBitmap(h.name(), file, ch, chunks, chunkBytes);
            ByteBuffer live = cb.pages.live().duplicate();
            live.limit((int) (ChangeBitmapLayout.LENGTH + ((chunks + 7) >>> 3)));
            readFully(ch, live, 0);
            for (long c = 0; c < chunks; c++) {
                if (BitmapBits.test(cb.pages.live(), PageImages.BITS_BASE, c)) {
                    cb.setWord(c);
                }
            }
            cb.inconsistent = (h.flags() & ChangeBitmapLayout.FLAG_INCONSISTENT) != 0;
            return cb;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new IOException("changed-block bitmap is truncated");
            }
            pos += r;
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    public String name() {
        return name;
    }

    public Path file() {
        return file;
    }

    public long chunks() {
        return chunks;
    }

    public int chunkBytes() {
        return chunkBytes;
    }

    /** A write of the file failed: changes may be missing on disk (the next backup must be full). */
    public boolean inconsistent() {
        return inconsistent;
    }

    /** Whether chunk {@code c} is marked changed; a volatile read, no lock. */
    public boolean test(long c) {
        return (words.get((int) (c >>> 6)) & (1L << (c & 63))) != 0;
    }

    /** Chunks marked changed (in memory; on disk as soon as the writes that set them were issued). */
    public long dirtyChunks() {
        long n = 0;
        for (int i = 0; i < words.length(); i++) {
            n += Long.bitCount(words.get(i));
        }
        return n;
    }

    private void setWord(long c) {
        int i = (int) (c >>> 6);
        long bit = 1L << (c & 63);
        for (;;) {
            long w = words.get(i);
            if ((w & bit) != 0 || words.compareAndSet(i, w, w | bit)) {
                return;
            }
        }
    }

    /** Marks {@code c} changed. Engine lock held; the caller then waits for the open epoch. */
    void set(long c) {
        pages.setBit(c);
        pages.markDirty(PageImages.pageOf(c));
        // Ordering (W1 for tracking): the caller published the epoch to wait for before this
        // volatile write, so a writer that sees the bit also sees the epoch.
        setWord(c);
    }

    /** Clears every bit (engine lock held); the caller sets again the chunks with writes in flight. */
    void clearAll() {
        for (int i = 0; i < words.length(); i++) {
            words.set(i, 0);
        }
        BitmapBits.fill(pages.live(), PageImages.BITS_BASE, chunks, false);
        pages.markAllDirty();
    }

    /** Flusher, engine lock held: takes this epoch's dirty pages. */
    void snapshot() {
        snapshotted = pages.snapshotDirty(batch);
    }

    int snapshotted() {
        return snapshotted;
    }

    /**
     * Flusher, no lock: writes the pages taken by {@link #snapshot} and syncs the file. Allocates
     * nothing (direct snapshot buffers, positional writes).
     *
     * @return false when a write or the sync failed (the pages are marked dirty again by the caller)
     */
    boolean writeSnapshot() {
        int n = snapshotted;
        if (n == 0) {
            return true;
        }
        try {
            for (int i = 0; i < n; i++) {
                int p = batch[i];
                ByteBuffer b = pages.snapshot(p);
                b.limit(pages.writeLength(p)).position(0);
                long pos = (long) p * BitmapGeometry.PAGE_SIZE;
                while (b.hasRemaining()) {
                    pos += channel.write(b, pos);
                }
                b.clear();
            }
            // Data only: the file's size never changes after creation.
            channel.force(false);
            Runnable probe = afterSync;
            if (probe != null) {
                probe.run();
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Flusher, engine lock held: the commit failed; keep its pages dirty and say so in the header. */
    void writeFailed() {
        inconsistent = true;
        header.flags(header.flags() | ChangeBitmapLayout.FLAG_INCONSISTENT);
        pages.markDirty(0);
        for (int i = 0; i < snapshotted; i++) {
            pages.markDirty(batch[i]);
        }
    }

    /**
     * Runs {@code probe} on the flusher thread after every sync of the file, before the commit's
     * writers are released: the crash recorder reads the durable file there. Null: none.
     */
    public void afterSync(Runnable probe) {
        this.afterSync = probe;
    }

    /** Closes the file (after {@link WriteIntentBitmap#detachTracker} or a read-only load). */
    public void closeFile() throws IOException {
        channel.close();
    }
}
