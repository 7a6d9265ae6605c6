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
 * Used at open time only, never on the I/O path, except lseek for block status and fallocate for trims.
 */
public final class Ioctls {
    private Ioctls() {
    }

    /** _IOR(0x12, 114, size_t): device size in bytes. */
    static final long BLKGETSIZE64 = 0x80081272L;
    /** _IO(0x12, 104): logical sector size. */
    static final long BLKSSZGET = 0x1268L;

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;

    /** The libc functions we need; jnr-ffi binds them at first use. */
    public interface LibC {
        int ioctl(int fd, long request, LongLongByReference out);

        int ioctl(int fd, long request, IntByReference out);

        int open(String path, int flags);

        long lseek(int fd, long offset, int whence);

        int fallocate(int fd, int mode, long offset, long length);

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

    /** lseek's whence: the next data at or after the offset. */
    public static final int SEEK_DATA = 3;
    /** lseek's whence: the next hole at or after the offset (the end of the file counts as one). */
    public static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;

    /**
     * lseek(fd, offset, SEEK_DATA or SEEK_HOLE), for block status; -1 when the kernel says ENXIO
     * (no data after {@code offset}, or {@code offset} at or past the end).
     */
    public static long seek(int fd, long offset, int whence, String name) throws IOException {
        long r = Holder.LIBC.lseek(fd, offset, whence);
        if (r < 0) {
            if (Runtime.getSystemRuntime().getLastError() == ENXIO) {
                return -1;
            }
            throw new IOException(name + ": lseek " + (whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE") + " at "
                    + offset + " failed: " + errno());
        }
        return r;
    }

    /** Opens {@code path} O_RDONLY, for lseek; the caller closes it with {@link LibC#close}. */
    public static int openForSeek(Path path) throws IOException {
        return openReadOnly(path);
    }

    private static int openReadOnly(Path path) throws IOException {
        int fd = Holder.LIBC.open(path.toString(), O_RDONLY);
        if (fd < 0) {
            throw new IOException(path + ": cannot open: " + errno());
        }
        return fd;
    }

    /** fallocate's mode bits: keep the file's size, free the range's blocks. */
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int FALLOC_FL_PUNCH_HOLE = 2;
    private static final int EOPNOTSUPP = 95;

    /**
     * fallocate(fd, PUNCH_HOLE | KEEP_SIZE, offset, length): the range reads as zeroes and holds
     * no blocks. On the trim path: no allocation (primitive arguments only).
     *
     * @return false when the filesystem cannot punch holes (EOPNOTSUPP); the caller writes zeroes
     */
    public static boolean punchHole(int fd, long offset, long length, String name) throws IOException {
        if (Holder.LIBC.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) == 0) {
            return true;
        }
        if (Runtime.getSystemRuntime().getLastError() == EOPNOTSUPP) {
            return false;
        }
        throw new IOException(name + ": punching a hole at " + offset + " length " + length + " failed: " + errno());
    }

    /** Opens a regular file O_RDWR (not O_DIRECT), for fallocate; the caller closes it with {@link LibC#close}. */
    public static int openForPunch(Path path) throws IOException {
        int fd = Holder.LIBC.open(path.toString(), O_RDWR);
        if (fd < 0) {
            throw new IOException(path + ": cannot open for punching holes: " + errno());
        }
        return fd;
    }

    /** The calling thread's last errno as text. */
    public static String errno() {
        return describe(Runtime.getSystemRuntime().getLastError());
    }

    /** An errno value as text: "Input/output error (errno 5)". */
    public static String describe(int errno) {
        return jnr.constants.platform.Errno.valueOf(errno).description() + " (errno " + errno + ")";
    }

    /** O_DIRECT on x86_64 and the generic table; arm64 numbers it 0x10000. */
    private static final int O_DIRECT = "aarch64".equals(System.getProperty("os.arch")) ? 0x10000 : 0x4000;
    private static final int O_CLOEXEC = 0x80000;

    /**
     * Opens {@code path} with O_DIRECT (read-write, or read-only), for the kernel's asynchronous
     * I/O, which needs a descriptor where the JDK's channel keeps its own private; the caller
     * closes it with {@link LibC#close}, only when it closes the member (closing any descriptor of
     * a file drops the process's POSIX locks on it).
     */
    public static int openDirect(Path path, boolean readOnly) throws IOException {
        int fd = Holder.LIBC.open(path.toString(), (readOnly ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC);
        if (fd < 0) {
            throw new IOException(path + ": cannot open with O_DIRECT: " + errno());
        }
        return fd;
    }

    /** jnr-posix, for stat and friends. */
    public static POSIX posix() {
        return Holder.POSIX;
    }
}
