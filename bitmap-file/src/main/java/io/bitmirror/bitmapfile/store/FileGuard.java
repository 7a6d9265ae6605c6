package io.bitmirror.bitmapfile.store;

import static io.bitmirror.bitmapfile.BitmapFileException.about;

import io.bitmirror.bitmapfile.BitmapFileException;
import io.bitmirror.bitmapfile.fs.LibC;

import java.io.IOException;
import java.nio.file.Path;

import jnr.ffi.byref.IntByReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a bitmap file still while its blocks are written behind the filesystem's back: an
 * exclusive flock (a second bitmirror cannot open it) and the immutable attribute (nobody, root
 * included, can open it for writing, truncate, rename, unlink or defragment it; ext4's
 * EXT4_IOC_MOVE_EXT and xfs_fsr refuse immutable files too). Setting the flag needs
 * CAP_LINUX_IMMUTABLE; without it the lock alone is kept and a warning says the file is
 * unprotected.
 *
 * <p>Order at acquire: lock, set immutable, then fsync: once the file cannot change, flushing
 * it leaves no dirty page cache that writeback could later write over our direct writes.
 * Order at release: clear immutable, fsync, drop the page cache (POSIX_FADV_DONTNEED), unlock,
 * so the next buffered reader (cat, od) reads the device, i.e. the bytes we wrote.
 */
final class FileGuard {
    private static final Logger LOG = LoggerFactory.getLogger(FileGuard.class);

    /** _IOR('f', 1, long): inode flags (the kernel reads and writes an int). */
    static final long FS_IOC_GETFLAGS = 0x80086601L;
    /** _IOW('f', 2, long): set inode flags. */
    static final long FS_IOC_SETFLAGS = 0x40086602L;
    /** The immutable attribute (chattr +i). */
    static final int FS_IMMUTABLE_FL = 0x10;
    /** ext4 per-file data journaling (chattr +j): data goes through the journal. */
    static final int FS_JOURNAL_DATA_FL = 0x4000;

    private static final int EWOULDBLOCK = 11;

    private final Path file;
    private int fd;
    private boolean immutable;

    private FileGuard(Path file, int fd) {
        this.file = file;
        this.fd = fd;
    }

    /** Locks, protects and fsyncs {@code file}; refuses a file locked by someone else. */
    static FileGuard acquire(Path file) throws IOException {
        int fd = LibC.openReadOnly(file.toString());
        FileGuard g = new FileGuard(file, fd);
        try {
            if (LibC.calls().flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) != 0) {
                int e = LibC.errno();
                throw new BitmapFileException(about(file) + (e == EWOULDBLOCK
                        ? "is in use by another process (locked)" : "cannot lock: " + LibC.describe(e)));
            }
            int flags = g.flags();
            if ((flags & FS_JOURNAL_DATA_FL) != 0) {
                throw new BitmapFileException(about(file) + "has per-file data journaling (chattr +j), whose journal"
                        + " would write old bytes over direct writes; clear it with chattr -j");
            }
            g.immutable = g.setFlags(flags | FS_IMMUTABLE_FL);
            if (!g.immutable) {
                LOG.warn("{}: cannot set the immutable flag ({}); only an advisory lock protects it while the"
                        + " array runs", file, LibC.lastError());
            }
            if (LibC.calls().fsync(fd) != 0) {
                throw new BitmapFileException(about(file) + "fsync failed: " + LibC.lastError());
            }
            g.dropCache();
            return g;
        } catch (IOException | RuntimeException e) {
            g.release();
            throw e;
        }
    }

    /** True when the immutable flag was set by {@link #acquire}. */
    boolean immutable() {
        return immutable;
    }

    /** Drops the file's clean page cache, so buffered readers go to the device. */
    void dropCache() {
        LibC.calls().posix_fadvise(fd, 0, 0, LibC.POSIX_FADV_DONTNEED);
    }

    /** Clears immutable, fsyncs, drops the page cache, unlocks and closes. Idempotent. */
    void release() throws IOException {
        if (fd < 0) {
            return;
        }
        String error = null;
        try {
            if (immutable) {
                if (setFlags(flags() & ~FS_IMMUTABLE_FL)) {
                    immutable = false;
                } else {
                    error = "cannot clear the immutable flag: " + LibC.lastError() + "; run chattr -i " + file;
                }
            }
            // fsync before dropping: POSIX_FADV_DONTNEED leaves dirty pages in place.
            LibC.calls().fsync(fd);
            dropCache();
            LibC.calls().flock(fd, LibC.LOCK_UN);
        } finally {
            LibC.calls().close(fd);
            fd = -1;
        }
        if (error != null) {
            throw new BitmapFileException(about(file) + error);
        }
    }

    private int flags() throws IOException {
        IntByReference f = new IntByReference();
        if (LibC.calls().ioctl(fd, FS_IOC_GETFLAGS, f) != 0) {
            throw new BitmapFileException(about(file) + "FS_IOC_GETFLAGS failed: " + LibC.lastError());
        }
        return f.intValue();
    }

    private boolean setFlags(int flags) {
        return LibC.calls().ioctl(fd, FS_IOC_SETFLAGS, new IntByReference(flags)) == 0;
    }
}
