package io.bitmirror.raid.device;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * O_DIRECT I/O from plain Java: {@link ExtendedOpenOption#DIRECT} and buffers aligned to
 * {@link #ALIGN} with {@link ByteBuffer#alignedSlice}. Reads see the device, never a stale page
 * cache; offsets and lengths must be multiples of the logical sector size.
 */
public final class DirectIo {
    private DirectIo() {
    }

    /** Alignment of every direct buffer: a page, which covers every logical sector size. */
    public static final int ALIGN = 4096;

    /** A zeroed direct buffer of {@code size} bytes whose address is 4096-aligned, little-endian. */
    public static ByteBuffer allocate(int size) {
        ByteBuffer raw = ByteBuffer.allocateDirect(size + ALIGN);
        ByteBuffer aligned = raw.alignedSlice(ALIGN);
        aligned.limit(size);
        return aligned.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Opens {@code path} read-only with O_DIRECT. */
    public static FileChannel openRead(Path path) throws IOException {
        return open(path, StandardOpenOption.READ);
    }

    /** Opens {@code path} read-write with O_DIRECT (and O_DSYNC when {@code sync}). */
    public static FileChannel openReadWrite(Path path, boolean sync) throws IOException {
        if (sync) {
            return open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DSYNC);
        }
        return open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static FileChannel open(Path path, OpenOption... options) throws IOException {
        OpenOption[] all = new OpenOption[options.length + 1];
        System.arraycopy(options, 0, all, 0, options.length);
        all[options.length] = ExtendedOpenOption.DIRECT;
        try {
            return FileChannel.open(path, all);
        } catch (IOException e) {
            throw new IOException(path + ": cannot open with O_DIRECT: " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code position}; fails with {@link EOFException}
     * naming the shortfall when the device ends first.
     */
    public static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, at);
            if (n < 0) {
                throw new EOFException("end of device at byte " + at + ", wanted " + dst.remaining() + " more bytes");
            }
            at += n;
        }
    }

    /** Writes all of {@code src} at {@code position}. */
    public static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
        long at = position;
        while (src.hasRemaining()) {
            at += ch.write(src, at);
        }
    }
}
