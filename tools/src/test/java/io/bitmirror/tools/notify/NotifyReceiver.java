package io.bitmirror.tools.notify;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * What systemd does for a Type=notify service, for tests: an AF_UNIX SOCK_DGRAM socket bound to
 * a path or an abstract name ({@code @name}), read datagram by datagram. Java 17 has no Unix
 * datagram sockets: socket(2), bind(2) and recv(2) through jnr-ffi.
 */
public final class NotifyReceiver implements AutoCloseable {
    /** recv(2) without waiting: the caller polls with its own deadline. */
    private static final int MSG_DONTWAIT = 0x40;
    private static final int EAGAIN = 11;

    /** The libc calls of the receiving side. */
    public interface LibC {
        int socket(int domain, int type, int protocol);

        int bind(int fd, ByteBuffer addr, int addrLen);

        long recv(int fd, ByteBuffer buf, long len, int flags);

        int close(int fd);
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private final int fd;
    private final String address;
    private final Path path;

    private NotifyReceiver(int fd, String address, Path path) {
        this.fd = fd;
        this.address = address;
        this.path = path;
    }

    /** Binds {@code address}: an absolute path, or {@code @name} for the abstract namespace. */
    public static NotifyReceiver bind(String address) throws IOException {
        int fd = LIBC.socket(SystemdNotify.AF_UNIX, SystemdNotify.SOCK_DGRAM | SystemdNotify.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("socket: errno " + Runtime.getSystemRuntime().getLastError());
        }
        ByteBuffer a = SystemdNotify.address(address);
        if (a == null || LIBC.bind(fd, a, a.remaining()) != 0) {
            int e = Runtime.getSystemRuntime().getLastError();
            LIBC.close(fd);
            throw new IOException("bind " + address + ": errno " + e);
        }
        return new NotifyReceiver(fd, address, address.startsWith("/") ? Path.of(address) : null);
    }

    /** What to put in $NOTIFY_SOCKET. */
    public String address() {
        return address;
    }

    /** The next datagram, or null when none arrived within {@code millis}. */
    public String receive(long millis) throws IOException, InterruptedException {
        ByteBuffer b = ByteBuffer.allocateDirect(4096);
        long end = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            long n = LIBC.recv(fd, b, b.capacity(), MSG_DONTWAIT);
            if (n >= 0) {
                byte[] m = new byte[(int) n];
                b.get(0, m);
                return new String(m, StandardCharsets.UTF_8);
            }
            int e = Runtime.getSystemRuntime().getLastError();
            if (e != EAGAIN) {
                throw new IOException("recv: errno " + e);
            }
            if (System.nanoTime() > end) {
                return null;
            }
            // Short: the test checks the export the moment READY=1 arrives.
            Thread.sleep(1);
        }
    }

    @Override
    public void close() throws IOException {
        LIBC.close(fd);
        if (path != null) {
            Files.deleteIfExists(path);
        }
    }
}
