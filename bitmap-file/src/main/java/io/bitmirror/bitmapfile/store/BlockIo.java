package io.bitmirror.bitmapfile.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The block device as the store sees it: positioned reads and writes of aligned direct buffers,
 * and a cache flush. The seam exists so tests can inject a failing write; production uses
 * {@link DirectBlockIo}.
 */
interface BlockIo extends Closeable {

    /** Writes {@code src}'s remaining bytes at device byte {@code position}. */
    void write(ByteBuffer src, long position) throws IOException;

    /** Reads {@code dst.remaining()} bytes at device byte {@code position}. */
    void read(ByteBuffer dst, long position) throws IOException;

    /** Makes completed writes durable: flushes the device's volatile cache. */
    void flush() throws IOException;
}
