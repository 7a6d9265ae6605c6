package io.bitmirror.bitmapfile.store;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file opened read-only with O_DIRECT through the JDK (for {@link DirectFileReader}): reads
 * see the device, never the page cache. The JDK requires offsets aligned to the file's
 * filesystem block size, which whole-page reads from offset 0 always are. Also the helper that
 * allocates aligned direct buffers.
 */
final class DirectBlockIo implements BlockIo {
    /** Alignment of every direct buffer: a page, which covers every logical block size. */
    static final int ALIGN = 4096;

    private final FileChannel ch;

    private DirectBlockIo(FileChannel ch) {
        this.ch = ch;
    }

    static DirectBlockIo openRead(Path path) throws IOException {
        return new DirectBlockIo(FileChannel.open(path, StandardOpenOption.READ, ExtendedOpenOption.DIRECT));
    }

    /** A zeroed direct buffer of {@code size} bytes whose address is 4096-aligned, little-endian. */
    static ByteBuffer allocateAligned(int size) {
        ByteBuffer raw = ByteBuffer.allocateDirect(size + ALIGN);
        ByteBuffer aligned = raw.alignedSlice(ALIGN);
        aligned.limit(size);
        return aligned.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        long at = position;
        while (src.hasRemaining()) {
            at += ch.write(src, at);
        }
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, at);
            if (n < 0) {
                throw new EOFException("end of device at byte " + at);
            }
            at += n;
        }
    }

    @Override
    public void flush() throws IOException {
        ch.force(false);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
