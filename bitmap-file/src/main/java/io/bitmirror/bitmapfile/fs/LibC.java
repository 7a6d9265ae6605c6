package io.bitmirror.bitmapfile.fs;

import java.nio.ByteBuffer;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * The libc calls Java has no API for (ioctl, statfs, flock, fsync on a raw fd, posix_fadvise),
 * bound through jnr-ffi. Used when a bitmap file is registered, opened and closed, never on the
 * page write path. Buffers passed as {@link ByteBuffer} must be direct: jnr-ffi then hands the
 * kernel their address and the kernel fills them in place.
 */
public final class LibC {
    private LibC() {
    }

    /** open(2) flags. */
    public static final int O_RDONLY = 0;
    /** Close the descriptor on exec, so a child process never inherits our lock. */
    public static final int O_CLOEXEC = 0x80000;
    /** open(2): read and write. */
    public static final int O_RDWR = 2;
    /** flock(2): exclusive lock. */
    public static final int LOCK_EX = 2;
    /** flock(2): fail with EWOULDBLOCK instead of waiting. */
    public static final int LOCK_NB = 4;
    /** flock(2): release. */
    public static final int LOCK_UN = 8;
    /** posix_fadvise(2): drop the clean cached pages of the range. */
    public static final int POSIX_FADV_DONTNEED = 4;

    /** The bound functions. */
    public interface Calls {
        int open(String path, int flags);

        int close(int fd);

        int ioctl(int fd, long request, ByteBuffer arg);

        int ioctl(int fd, long request, IntByReference arg);

        int fsync(int fd);

        int flock(int fd, int operation);

        /** Returns the error number itself, not -1 (POSIX). */
        int posix_fadvise(int fd, long offset, long len, int advice);

        int statfs(String path, ByteBuffer buf);

        /** Raw-address form: only primitives, so a call allocates nothing (write path). */
        long pwrite(int fd, long buf, long count, long offset);

        /** Raw-address form, see {@link #pwrite}. */
        long pread(int fd, long buf, long count, long offset);

        int fdatasync(int fd);
    }

    private static final class Holder {
        static final Calls CALLS = LibraryLoader.create(Calls.class).load("c");
    }

    public static Calls calls() {
        return Holder.CALLS;
    }

    /** errno of the calling thread's last native call. */
    public static int errno() {
        return Runtime.getSystemRuntime().getLastError();
    }

    /** errno as text, e.g. {@code Operation not permitted (errno 1)}. */
    public static String describe(int errno) {
        String text;
        try {
            text = jnr.constants.platform.Errno.valueOf(errno).description();
        } catch (RuntimeException e) {
            text = "error";
        }
        return text + " (errno " + errno + ")";
    }

    /** Last errno as text. */
    public static String lastError() {
        return describe(errno());
    }

    /** Opens {@code path} read-only (close-on-exec); throws naming the file on failure. */
    public static int openReadOnly(String path) throws java.io.IOException {
        int fd = calls().open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            throw new java.io.IOException(path + ": cannot open: " + lastError());
        }
        return fd;
    }
}
