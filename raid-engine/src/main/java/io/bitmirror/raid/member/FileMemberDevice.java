package io.bitmirror.raid.member;

import io.bitmirror.raid.device.DeviceInfo;
import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.device.Ioctls;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A block device or regular file opened with O_DIRECT (or, in {@link CacheMode#WRITEBACK}, through
 * the page cache) and locked exclusively, so two processes never run the same member (an
 * advisory lock: every bitmirror takes it). A member of a read-only array ({@link #openReadOnly})
 * is opened O_RDONLY and takes the lock shared: other read-only assemblies may share it, a
 * read-write one (or zero-superblock) is refused.
 *
 * <p>Durability is the same contract in both cache modes: {@link #flush} and a FUA {@link #write}
 * end with fdatasync, which in mode none flushes the disk's cache and in mode writeback first
 * writes the dirty page cache out, then flushes the disk's cache.
 */
public final class FileMemberDevice implements MemberDevice {
    private static final Logger LOG = LoggerFactory.getLogger(FileMemberDevice.class);
    private final DeviceInfo info;
    private final FileChannel channel;
    private final FileLock lock;
    private final ByteBuffer zeroes;
    private final boolean readOnly;
    private final CacheMode cache;
    /** A second descriptor of a regular file, for lseek (the channel does not give its own); -1 until needed. */
    private int seekFd = -1;
    /**
     * A read-write descriptor of a regular file for fallocate (the channel does not give its
     * own); -1 until the first trim. Like {@link #seekFd} it is closed only in {@link #close}:
     * the member's lock is a POSIX record lock, which closing any descriptor of the file drops.
     */
    private int punchFd = -1;
    /** The O_DIRECT descriptor for asynchronous I/O ({@link #directTarget}); -1 until asked for. */
    private int directFd = -1;
    /** What {@link #directTarget} answers, made once with {@link #directFd}. */
    private DirectTarget direct;
    /** The filesystem refused to punch a hole once (EOPNOTSUPP): trims write zeroes from then on. */
    private volatile boolean punchRefused;

    private FileMemberDevice(DeviceInfo info, FileChannel channel, FileLock lock, boolean readOnly,
            CacheMode cache) {
        this.info = info;
        this.cache = cache;
        this.channel = channel;
        this.lock = lock;
        this.readOnly = readOnly;
        this.zeroes = readOnly ? null : DirectIo.allocate(ZERO_BLOCK);
    }

    /** Largest trim written as zeroes in one call. */
    private static final int ZERO_BLOCK = 1 << 20;
    /** Holes are punched in whole 4 KiB blocks; the edges of a trim not on them are written as zeroes. */
    private static final long PUNCH_BLOCK = 4096;

    /** Opens {@code path} read-write with O_DIRECT and takes its exclusive lock. */
    public static FileMemberDevice open(Path path) throws IOException {
        return open(path, false, CacheMode.NONE);
    }

    /** Opens {@code path} read-write in cache mode {@code cache} and takes its exclusive lock. */
    public static FileMemberDevice open(Path path, CacheMode cache) throws IOException {
        return open(path, false, cache);
    }

    /**
     * Opens {@code path} read-only (O_RDONLY with O_DIRECT) and takes its lock shared (a lock
     * shared by readers: an exclusive one needs a descriptor open for writing). Writes and
     * trims fail with an IOException; nothing can reach the device through this descriptor.
     */
    public static FileMemberDevice openReadOnly(Path path) throws IOException {
        return open(path, true, CacheMode.NONE);
    }

    /** {@link #openReadOnly(Path)} in cache mode {@code cache} (writeback: reads through the page cache). */
    public static FileMemberDevice openReadOnly(Path path, CacheMode cache) throws IOException {
        return open(path, true, cache);
    }

    private static FileMemberDevice open(Path path, boolean readOnly, CacheMode cache) throws IOException {
        DeviceInfo info = DeviceInfo.probe(path);
        FileChannel ch = cache == CacheMode.WRITEBACK ? openBuffered(path, readOnly)
                : readOnly ? DirectIo.openRead(path) : DirectIo.openReadWrite(path, false);
        FileLock lock;
        try {
            lock = ch.tryLock(0L, Long.MAX_VALUE, readOnly);
        } catch (OverlappingFileLockException e) {
            // This JVM holds the lock already: not another bitmirror, this one.
            ch.close();
            throw new IOException(path + ": in use by this bitmirror process already (named twice, already a member, "
                    + "or assembled twice)");
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            throw new IOException(path + ": in use by another bitmirror (" + (readOnly ? "assembled read-write"
                    : "exclusive lock held") + ")");
        }
        return new FileMemberDevice(info, ch, lock, readOnly, cache);
    }

    /**
     * Without O_DIRECT, and without O_SYNC/O_DSYNC: the page cache holds the writes until the
     * array flushes, as a disk's volatile cache would.
     */
    private static FileChannel openBuffered(Path path, boolean readOnly) throws IOException {
        try {
            return readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException(path + ": cannot open: " + e.getMessage(), e);
        }
    }

    /** The cache mode it was opened in. */
    public CacheMode cache() {
        return cache;
    }

    public DeviceInfo info() {
        return info;
    }

    @Override
    public String name() {
        return info.path().toString();
    }

    @Override
    public long sizeBytes() {
        return info.sizeBytes();
    }

    /**
     * fstat's size of the open file, or BLKGETSIZE64 of a block device (the JDK asks it for
     * block devices). A write past the end of a truncated file would succeed and leave holes
     * that read as zeroes, so only this check tells that the member lost data.
     */
    @Override
    public long currentSizeBytes() throws IOException {
        return channel.size();
    }

    @Override
    public int logicalBlockSize() {
        return info.logicalSectorSize();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new EOFException(name() + ": read past the end at byte " + at);
            }
            at += n;
        }
    }

    @Override
    public void write(long position, ByteBuffer src, boolean fua) throws IOException {
        if (readOnly) {
            throw readOnlyError();
        }
        long at = position;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
        if (fua) {
            // fdatasync: in mode writeback the only thing that takes the bytes out of the page
            // cache before the caller is told they are durable.
            channel.force(false);
        }
    }

    @Override
    public void flush() throws IOException {
        channel.force(false);
    }

    /**
     * On a regular file, punches a hole in the whole 4 KiB blocks of the range (they read as
     * zeroes and hold no space, so block status reports them as holes) and writes zeroes on
     * the edges; on a block device, or a filesystem that cannot punch, writes zeroes. Either way
     * every member reads back the same bytes: a discard that left undefined data would break
     * byte-identical mirrors. Durable once {@link #flush} returns (fsync covers the punch too).
     */
    @Override
    public void trim(long position, long length) throws IOException {
        if (readOnly) {
            throw readOnlyError();
        }
        long end = position + length;
        long p0 = (position + PUNCH_BLOCK - 1) & -PUNCH_BLOCK;
        long p1 = end & -PUNCH_BLOCK;
        if (p1 > p0 && punch(p0, p1 - p0)) {
            // Empty unless the member is offset by less than a block (O_DIRECT refuses that anyway).
            writeZeroes(position, p0 - position);
            writeZeroes(p1, end - p1);
        } else {
            writeZeroes(position, length);
        }
    }

    /** True when {@code [at, at + length)} is now a hole; false: the caller writes zeroes. */
    private boolean punch(long at, long length) throws IOException {
        if (info.blockDevice() || punchRefused) {
            return false;
        }
        if (Ioctls.punchHole(punchFd(), at, length, name())) {
            return true;
        }
        punchRefused = true;
        LOG.debug("{}: the filesystem cannot punch holes (EOPNOTSUPP): trims write zeroes", name());
        return false;
    }

    private synchronized int punchFd() throws IOException {
        if (punchFd < 0) {
            punchFd = Ioctls.openForPunch(info.path());
        }
        return punchFd;
    }

    private void writeZeroes(long position, long length) throws IOException {
        long at = position;
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(left, ZERO_BLOCK);
            ByteBuffer z = zeroes.duplicate();
            z.clear().limit(n);
            write(at, z, false);
            at += n;
            left -= n;
        }
    }

    /** True when opened with {@link #openReadOnly}. */
    public boolean readOnly() {
        return readOnly;
    }

    private IOException readOnlyError() {
        return new IOException(name() + ": opened read-only (the array is read-only)");
    }

    /** SEEK_DATA on a regular file; a block device holds data everywhere. */
    @Override
    public long seekData(long position) throws IOException {
        int fd = seekFd();
        if (fd < 0) {
            return position;
        }
        long r = Ioctls.seek(fd, position, Ioctls.SEEK_DATA, name());
        return r < 0 ? Math.max(position, info.sizeBytes()) : r;
    }

    @Override
    public long seekHole(long position) throws IOException {
        int fd = seekFd();
        if (fd < 0) {
            return info.sizeBytes();
        }
        long r = Ioctls.seek(fd, position, Ioctls.SEEK_HOLE, name());
        return r < 0 ? position : r;
    }

    /**
     * A descriptor of its own, opened O_DIRECT like the channel's (read-only for a read-only
     * member), closed only with the member, like {@link #punchFd}. Null in mode writeback: Linux
     * AIO on a buffered file is synchronous inside io_submit, and an O_DIRECT write beside the
     * page cache's dirty pages would bypass the cache the member is in; the fan-out then writes
     * the member from the requesting thread, which is what a page-cache write wants.
     */
    @Override
    public synchronized DirectTarget directTarget() throws IOException {
        if (cache == CacheMode.WRITEBACK) {
            return null;
        }
        if (directFd < 0) {
            directFd = Ioctls.openDirect(info.path(), readOnly);
            direct = new DirectTarget(directFd, 0, info.sizeBytes(), !info.blockDevice() && onTmpfs());
        }
        return direct;
    }

    /** tmpfs: its O_DIRECT reads and writes are memory copies done inside the system call. */
    private boolean onTmpfs() {
        try {
            return "tmpfs".equals(java.nio.file.Files.getFileStore(info.path()).type());
        } catch (IOException e) {
            return false;
        }
    }

    private synchronized int seekFd() throws IOException {
        if (seekFd < 0 && !info.blockDevice()) {
            seekFd = Ioctls.openForSeek(info.path());
        }
        return seekFd;
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (seekFd >= 0) {
                Ioctls.libc().close(seekFd);
                seekFd = -1;
            }
            if (punchFd >= 0) {
                Ioctls.libc().close(punchFd);
                punchFd = -1;
            }
            if (directFd >= 0) {
                Ioctls.libc().close(directFd);
                directFd = -1;
                direct = null;
            }
        }
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
