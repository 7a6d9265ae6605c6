package io.bitmirror.bitmapfile;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Creates an external bitmap file: a version-4 bitmap superblock and the bits, padded with
 * zeroes to whole 4 KiB pages so that every page later maps to whole device blocks.
 */
public final class BitmapFileWriter {
    private BitmapFileWriter() {
    }

    /**
     * Writes a new bitmap file. Every byte goes through the filesystem (so no extent is left
     * unwritten or sparse) and the file is fsync'd before this returns.
     *
     * @param dirty true to start with every chunk dirty (a new array that must resync)
     * @param overwrite replace an existing file
     */
    public static void create(Path file, byte[] uuid, long syncSizeSectors, int chunkBytes, int daemonSleep,
            boolean dirty, boolean overwrite) throws IOException {
        create(file, uuid, syncSizeSectors, chunkBytes, daemonSleep, 0, dirty, overwrite);
    }

    /** {@link #create(Path, byte[], long, int, int, boolean, boolean)} with md's write-behind limit stored. */
    public static void create(Path file, byte[] uuid, long syncSizeSectors, int chunkBytes, int daemonSleep,
            int writeBehind, boolean dirty, boolean overwrite) throws IOException {
        long chunks = BitmapGeometry.chunks(syncSizeSectors, chunkBytes);
        long size = BitmapGeometry.roundedBytes(chunks, BitmapGeometry.PAGE_SIZE);
        if (size > Integer.MAX_VALUE) {
            throw new IOException(file + ": a bitmap of " + size + " bytes is too large; use a larger --bitmap-chunk");
        }
        ByteBuffer image = ByteBuffer.allocate((int) size);
        new BitmapSuperblock().wrap(image, 0).init(uuid, syncSizeSectors, chunkBytes, daemonSleep, writeBehind, 0);
        BitmapBits.fill(image, BitmapSuperblockLayout.LENGTH, chunks, dirty);
        StandardOpenOption how = overwrite ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.CREATE_NEW;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, how, StandardOpenOption.WRITE)) {
            while (image.hasRemaining()) {
                ch.write(image);
            }
            ch.force(true);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(file + ": already exists; use --force to overwrite it", e);
        }
    }
}
