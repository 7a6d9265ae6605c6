package io.bitmirror.bitmapfile.extent;

import static io.bitmirror.bitmapfile.BitmapFileException.about;

import io.bitmirror.bitmapfile.BitmapFileException;
import io.bitmirror.bitmapfile.fs.LibC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jnr.ffi.byref.IntByReference;

/**
 * Resolves a file's blocks to device addresses: FS_IOC_FIEMAP with FIEMAP_FLAG_SYNC (so dirty
 * pages are written and delayed allocations get their blocks first), and FIBMAP, one block at
 * a time, on filesystems without FIEMAP. Runs at register and open time, never on the write path.
 */
public final class ExtentResolver {
    private ExtentResolver() {
    }

    /** _IO(0x00, 1): map one logical block to a physical block (0 = hole). Needs CAP_SYS_RAWIO. */
    static final long FIBMAP = 1;
    /** _IO(0x00, 2): filesystem block size, the unit of FIBMAP. */
    static final long FIGETBSZ = 2;
    /** Extents asked for per FIEMAP call; the loop continues from the last one returned. */
    static final int EXTENTS_PER_CALL = 64;

    private static final int ENOTTY = 25;
    private static final int EINVAL = 22;
    private static final int EOPNOTSUPP = 95;

    /** Resolves {@code file}: FIEMAP, or FIBMAP when the filesystem has no FIEMAP. Not validated. */
    public static ExtentMap resolve(Path file) throws IOException {
        long size = Files.size(file);
        int fd = LibC.openReadOnly(file.toString());
        try {
            List<Extent> raw = fiemap(fd, file, size);
            if (raw == null) {
                raw = fibmap(fd, file, size);
            }
            return ExtentMap.of(size, raw);
        } finally {
            LibC.calls().close(fd);
        }
    }

    /** Resolves with FIBMAP only (for filesystems without FIEMAP, and to cross-check FIEMAP). */
    public static ExtentMap resolveWithFibmap(Path file) throws IOException {
        long size = Files.size(file);
        int fd = LibC.openReadOnly(file.toString());
        try {
            return ExtentMap.of(size, fibmap(fd, file, size));
        } finally {
            LibC.calls().close(fd);
        }
    }

    /** @return the raw extents, or null when the filesystem has no FIEMAP */
    static List<Extent> fiemap(int fd, Path file, long size) throws IOException {
        Fiemap fm = new Fiemap().wrap(ByteBuffer.allocateDirect(FiemapLayout.length(EXTENTS_PER_CALL)));
        List<Extent> out = new ArrayList<>();
        long start = 0;
        // The first call carries FIEMAP_FLAG_SYNC: the kernel writes dirty pages and resolves
        // delayed allocations before mapping, so what we get are the blocks as on disk.
        int flags = FiemapLayout.FIEMAP_FLAG_SYNC;
        while (start < size) {
            fm.request(start, size - start, flags);
            if (LibC.calls().ioctl(fd, FiemapLayout.FS_IOC_FIEMAP, fm.buffer()) != 0) {
                int e = LibC.errno();
                if (out.isEmpty() && (e == ENOTTY || e == EOPNOTSUPP || e == EINVAL)) {
                    return null;
                }
                throw new BitmapFileException(about(file) + "FIEMAP failed: " + LibC.describe(e));
            }
            int n = fm.mappedExtents();
            if (n == 0) {
                break; // the rest is a hole; validation reports it
            }
            boolean last = false;
            for (int i = 0; i < n; i++) {
                out.add(new Extent(fm.logical(i), fm.physical(i), fm.length(i), fm.extentFlags(i)));
                last |= (fm.extentFlags(i) & ExtentFlags.LAST) != 0;
                start = Math.max(start, fm.logical(i) + fm.length(i));
            }
            if (last) {
                break;
            }
        }
        return out;
    }

    static List<Extent> fibmap(int fd, Path file, long size) throws IOException {
        IntByReference arg = new IntByReference();
        if (LibC.calls().ioctl(fd, FIGETBSZ, arg) != 0) {
            throw new BitmapFileException(about(file) + "neither FIEMAP nor FIGETBSZ works: " + LibC.lastError());
        }
        int bsz = arg.intValue();
        long blocks = (size + bsz - 1) / bsz;
        List<Extent> out = new ArrayList<>();
        for (long b = 0; b < blocks; b++) {
            IntByReference blk = new IntByReference((int) b);
            if (LibC.calls().ioctl(fd, FIBMAP, blk) != 0) {
                throw new BitmapFileException(about(file) + "FIBMAP failed at block " + b + ": " + LibC.lastError());
            }
            long phys = Integer.toUnsignedLong(blk.intValue());
            if (phys == 0) {
                continue; // a hole; validation reports it
            }
            out.add(new Extent(b * bsz, phys * bsz, bsz, ExtentFlags.MERGED));
        }
        return out;
    }
}
