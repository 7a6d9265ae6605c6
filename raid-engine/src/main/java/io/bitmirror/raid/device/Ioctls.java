package io.bitmirror.raid.device;

import java.io.IOException;
import java.nio.file.Path;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.LongLongByReference;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * The block-device ioctls Java has no API for, called through jnr-ffi (jnr-posix has no ioctl).
 * Used at open time only, never on the I/O path.
 */
public final class Ioctls {
    private Ioctls() {
    }

    /** _IOR(0x12, 114, size_t): device size in bytes. */
    static final long BLKGETSIZE64 = 0x80081272L;
    /** _IO(0x12, 104): logical sector size. */
    static final long BLKSSZGET = 0x1268L;

    private static final int O_RDONLY = 0;

    /** The libc functions we need; jnr-ffi binds them at first use. */
    public interface LibC {
        int ioctl(int fd, long request, LongLongByReference out);

        int ioctl(int fd, long request, IntByReference out);

        int open(String path, int flags);

        int close(int fd);
    }

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
        static final POSIX POSIX = POSIXFactory.getNativePOSIX();
    }

    /** The libc binding, for other ioctls of this module. */
    public static LibC libc() {
        return Holder.LIBC;
    }

    /** Size in bytes of the block device at {@code path} (BLKGETSIZE64). */
    public static long blockDeviceSize(Path path) throws IOException {
        int fd = openReadOnly(path);
        try {
            LongLongByReference size = new LongLongByReference();
            if (Holder.LIBC.ioctl(fd, BLKGETSIZE64, size) != 0) {
                throw new IOException(path + ": BLKGETSIZE64 failed: " + errno());
            }
            return size.longValue();
        } finally {
            Holder.LIBC.close(fd);
        }
    }

    /** Logical sector size of the block device at {@code path} (BLKSSZGET). */
    public static int logicalSectorSize(Path path) throws IOException {
        int fd = openReadOnly(path);
        try {
            IntByReference size = new IntByReference();
            if (Holder.LIBC.ioctl(fd, BLKSSZGET, size) != 0) {
                throw new IOException(path + ": BLKSSZGET failed: " + errno());
            }
            return size.intValue();
        } finally {
            Holder.LIBC.close(fd);
        }
    }

    private static int openReadOnly(Path path) throws IOException {
        int fd = Holder.LIBC.open(path.toString(), O_RDONLY);
        if (fd < 0) {
            throw new IOException(path + ": cannot open: " + errno());
        }
        return fd;
    }

    /** The calling thread's last errno as text. */
    public static String errno() {
        int e = Runtime.getSystemRuntime().getLastError();
        return jnr.constants.platform.Errno.valueOf(e).description() + " (errno " + e + ")";
    }

    /** jnr-posix, for stat and friends. */
    public static POSIX posix() {
        return Holder.POSIX;
    }
}
