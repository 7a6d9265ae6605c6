package io.bitmirror.bitmapfile.store;

import io.bitmirror.bitmapfile.fs.LibC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import com.kenai.jffi.MemoryIO;

/**
 * The block device opened with O_DIRECT through libc, written with pwrite(2) from the address of
 * an aligned direct buffer, flushed with fdatasync(2) (which the block layer turns into a cache
 * flush of the device).
 *
 * <p>Why not {@link java.nio.channels.FileChannel} with {@code ExtendedOpenOption.DIRECT}: the
 * JDK takes the required alignment from statfs(2) of the path, and a device node lives on
 * devtmpfs, so it demands 4096-byte offsets even when the device's logical block size is 512
 * and the file's extents are 1 KiB aligned (ext4 with 1 KiB blocks). We check alignment against
 * the device's logical block size ourselves (at open, in ExtentMap) and call the kernel
 * directly. Every argument is a primitive, so a call allocates nothing.
 */
final class PosixBlockIo implements BlockIo {
    private static final int EINTR = 4;

    private final Path device;
    private int fd;

    private PosixBlockIo(Path device, int fd) {
        this.device = device;
        this.fd = fd;
    }

    /** O_DIRECT for this machine's architecture (it differs between ABIs). */
    static int oDirect() throws IOException {
        String arch = System.getProperty("os.arch");
        switch (arch) {
            case "amd64", "x86_64", "x86", "i386", "riscv64", "s390x", "loongarch64":
                return 0x4000;
            case "aarch64", "arm":
                return 0x10000;
            case "ppc64", "ppc64le":
                return 0x20000;
            default:
                throw new IOException("O_DIRECT value unknown for architecture " + arch);
        }
    }

    static PosixBlockIo open(Path device) throws IOException {
        int fd = LibC.calls().open(device.toString(), LibC.O_RDWR | LibC.O_CLOEXEC | oDirect());
        if (fd < 0) {
            throw new IOException(device + ": cannot open with O_DIRECT: " + LibC.lastError());
        }
        return new PosixBlockIo(device, fd);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        long base = MemoryIO.getInstance().getDirectBufferAddress(src);
        long at = position;
        while (src.hasRemaining()) {
            long n = LibC.calls().pwrite(fd, base + src.position(), src.remaining(), at);
            if (n < 0) {
                int e = LibC.errno();
                if (e == EINTR) {
                    continue;
                }
                throw new IOException(device + ": write of " + src.remaining() + " bytes at " + at + " failed: "
                        + LibC.describe(e));
            }
            if (n == 0) {
                throw new IOException(device + ": no space at byte " + at);
            }
            src.position(src.position() + (int) n);
            at += n;
        }
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        long base = MemoryIO.getInstance().getDirectBufferAddress(dst);
        long at = position;
        while (dst.hasRemaining()) {
            long n = LibC.calls().pread(fd, base + dst.position(), dst.remaining(), at);
            if (n < 0) {
                int e = LibC.errno();
                if (e == EINTR) {
                    continue;
                }
                throw new IOException(device + ": read of " + dst.remaining() + " bytes at " + at + " failed: "
                        + LibC.describe(e));
            }
            if (n == 0) {
                throw new java.io.EOFException(device + ": end of device at byte " + at);
            }
            dst.position(dst.position() + (int) n);
            at += n;
        }
    }

    @Override
    public void flush() throws IOException {
        if (LibC.calls().fdatasync(fd) != 0) {
            throw new IOException(device + ": fdatasync failed: " + LibC.lastError());
        }
    }

    @Override
    public void close() throws IOException {
        if (fd >= 0) {
            LibC.calls().close(fd);
            fd = -1;
        }
    }
}
