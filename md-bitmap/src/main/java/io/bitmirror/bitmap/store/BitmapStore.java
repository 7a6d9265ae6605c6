package io.bitmirror.bitmap.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Durable home of a bitmap: the 256-byte bitmap superblock followed by the bits, addressed in
 * 4 KiB pages (page 0 starts with the superblock). A store may keep several copies (one per
 * member for an internal bitmap); a page write goes to all of them.
 *
 * <p>Write path contract: {@link #writePage} and {@link #flush} allocate nothing, and the
 * caller never changes {@code src} until the write has completed (W6, stable pages).
 */
public interface BitmapStore extends Closeable {

    /** Bytes of superblock plus bits the store holds; pages past this are not addressable. */
    long sizeBytes();

    /**
     * Reads page {@code page} into {@code dst} (from its position, up to 4096 bytes or the end of
     * the store). Used when loading, not on the write path. Reads the first healthy copy.
     */
    void readPage(int page, ByteBuffer dst) throws IOException;

    /**
     * Starts writing {@code length} bytes from {@code src} (absolute offset 0 of the buffer) to
     * page {@code page} of every copy. Calls {@link PendingWrites#begin()} before the write is
     * issued and {@link PendingWrites#end(boolean)} once per begin, when it has completed or
     * failed; may complete before returning. Completion does not imply durability: call
     * {@link #flush()} after the counter reached zero.
     */
    void writePage(int page, ByteBuffer src, int length, PendingWrites pending);

    /** Makes every completed page write durable on every copy (device cache flush). */
    void flush() throws IOException;
}
