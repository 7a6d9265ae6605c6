package io.bitmirror.bitmapfile.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a bitmap file with O_DIRECT: the bytes on the device, not what the page cache may still
 * hold from before the store wrote behind the filesystem's back. What {@code examine-bitmap} and
 * mdadm do.
 */
public final class DirectFileReader {
    private DirectFileReader() {
    }

    /** The first {@code max} bytes of {@code file} (fewer if it is shorter), little-endian. */
    public static ByteBuffer read(Path file, int max) throws IOException {
        long size = Math.min(Files.size(file), max);
        int rounded = (int) ((size + DirectBlockIo.ALIGN - 1) / DirectBlockIo.ALIGN * DirectBlockIo.ALIGN);
        ByteBuffer buf = DirectBlockIo.allocateAligned(Math.max(rounded, DirectBlockIo.ALIGN));
        try (DirectBlockIo io = DirectBlockIo.openRead(file)) {
            // O_DIRECT reads whole blocks; a read that crosses the end of the file is short.
            buf.limit(rounded);
            try {
                io.read(buf, 0);
            } catch (java.io.EOFException e) {
                // reached the end of the file: fine
            }
        }
        buf.clear().limit((int) size);
        return buf;
    }
}
