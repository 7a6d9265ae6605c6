package io.bitmirror.raid.device;

import java.io.IOException;
import java.nio.ByteBuffer;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Type;

/**
 * Linux native asynchronous I/O ({@code io_setup}, {@code io_submit}, {@code io_getevents},
 * {@code io_destroy}) through libc's {@code syscall(2)}: libc has no wrappers for them and libaio
 * would be a native dependency. The call goes through jffi, the invoker under jnr-ffi, directly:
 * jnr-ffi's generated stub for a six-argument {@code syscall} did not pass the sixth (io_getevents
 * never saw its timeout, nor EFAULT for a bad one), and its seven-argument form allocates on every
 * call; jffi's {@code invokeL6} passes all six and allocates nothing. The control blocks and
 * events live in direct buffers laid out by {@link Iocb} and {@link IoEvent}.
 *
 * <p>Why Linux AIO and not io_uring: for O_DIRECT on files and block devices (the only way
 * bitmirror writes members) both are truly asynchronous, and AIO needs four system calls and
 * two fixed structures where io_uring needs two mmap'd rings, memory barriers on their heads
 * and tails, and a kernel that has not disabled it (io_uring_disabled, seccomp in containers).
 * docs/DESIGN.md "Asynchronous member I/O" has the measurement behind the choice.
 */
public final class LinuxAio {
    private LinuxAio() {
    }

    /** System call numbers of this machine's architecture, or null where none are known. */
    private static final long[] NUMBERS = numbers(System.getProperty("os.arch"));
    private static final int SETUP = 0;
    private static final int DESTROY = 1;
    private static final int SUBMIT = 2;
    private static final int GETEVENTS = 3;

    private static long[] numbers(String arch) {
        switch (arch) {
            case "amd64":
            case "x86_64":
                return new long[] {206, 207, 209, 208};
            case "aarch64":
            case "riscv64":
                // the generic table (asm-generic/unistd.h)
                return new long[] {0, 1, 2, 4};
            default:
                return null;
        }
    }

    /** {@code long syscall(long number, ...)}, called with the number and five arguments. */
    private static final class Holder {
        static final Invoker INVOKER = Invoker.getInstance();
        static final long SYSCALL = Library.getCachedInstance("libc.so.6", Library.LAZY | Library.GLOBAL)
                .getSymbolAddress("syscall");
        static final CallContext CALL = CallContext.getCallContext(Type.SINT64,
                new Type[] {Type.SINT64, Type.SINT64, Type.SINT64, Type.SINT64, Type.SINT64, Type.SINT64},
                CallingConvention.DEFAULT, true);

        static long syscall(long number, long a1, long a2, long a3, long a4, long a5) {
            return INVOKER.invokeL6(CALL, SYSCALL, number, a1, a2, a3, a4, a5);
        }
    }

    /** True where the system call numbers are known (the kernel may still refuse: {@link #setup}). */
    public static boolean knownArchitecture() {
        return NUMBERS != null;
    }

    /** The kernel address of a direct buffer's first byte (its position 0). */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return MemoryIO.getInstance().getDirectBufferAddress(direct);
    }

    /**
     * io_setup: a context for {@code maxEvents} requests in flight.
     *
     * @throws IOException with the errno when the kernel refuses (ENOSYS: no AIO; EAGAIN: the
     *     system's aio-max-nr is used up; EPERM: a sandbox forbids it)
     */
    public static long setup(int maxEvents) throws IOException {
        if (NUMBERS == null) {
            throw new IOException("Linux AIO: unknown system call numbers for " + System.getProperty("os.arch"));
        }
        ByteBuffer ctx = ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
        ctx.putLong(0, 0L);
        long r = Holder.syscall(NUMBERS[SETUP], maxEvents, address(ctx), 0, 0, 0);
        if (r < 0) {
            throw new IOException("io_setup(" + maxEvents + "): " + Ioctls.describe(errno()));
        }
        return ctx.getLong(0);
    }

    /** io_destroy: waits for (or cancels) what is in flight and frees the context. */
    public static void destroy(long ctx) {
        Holder.syscall(NUMBERS[DESTROY], ctx, 0, 0, 0, 0);
    }

    /**
     * io_submit: {@code count} control blocks whose addresses are the longs at {@code iocbPointers}.
     *
     * @return how many were queued, or {@code -errno}
     */
    public static long submit(long ctx, int count, long iocbPointers) {
        long r = Holder.syscall(NUMBERS[SUBMIT], ctx, count, iocbPointers, 0, 0);
        return r < 0 ? -errno() : r;
    }

    /**
     * io_getevents: waits for at least {@code min} completions, at most until the timeout in the
     * timespec at {@code timespec} (0: no limit), and stores up to {@code max} at {@code events}.
     *
     * @return how many were stored, or {@code -errno} (EINTR: try again)
     */
    public static long getEvents(long ctx, int min, int max, long events, long timespec) {
        long r = Holder.syscall(NUMBERS[GETEVENTS], ctx, min, max, events, timespec);
        return r < 0 ? -errno() : r;
    }

    private static int errno() {
        return LastError.getInstance().get();
    }

    /** The kernel's {@code struct iocb} (include/uapi/linux/aio_abi.h), 64 bytes, little-endian fields. */
    public static final class Iocb {
        private Iocb() {
        }

        public static final int SIZE = 64;
        /** u64: returned unchanged in the completion's {@link IoEvent#DATA}. */
        public static final int DATA = 0;
        /** u32: RWF_* flags of a read or write. */
        public static final int RW_FLAGS = 12;
        /** u16: the {@code IOCB_CMD_*} opcode. */
        public static final int OPCODE = 16;
        /** u32: the file descriptor. */
        public static final int FILDES = 20;
        /** u64: the buffer's address. */
        public static final int BUF = 24;
        /** u64: bytes to transfer. */
        public static final int NBYTES = 32;
        /** s64: the file offset. */
        public static final int OFFSET = 40;

        public static final short CMD_PREAD = 0;
        public static final short CMD_PWRITE = 1;
        /** fdatasync, asynchronously (Linux 4.18). */
        public static final short CMD_FDSYNC = 3;
        /** RWF_DSYNC: the write is durable when it completes, as with O_DSYNC (Linux 4.13): FUA. */
        public static final int RWF_DSYNC = 0x2;
    }

    /** The kernel's {@code struct io_event}, 32 bytes. */
    public static final class IoEvent {
        private IoEvent() {
        }

        public static final int SIZE = 32;
        /** u64: the control block's {@link Iocb#DATA}. */
        public static final int DATA = 0;
        /** s64: bytes transferred, or {@code -errno}. */
        public static final int RES = 16;
    }
}
