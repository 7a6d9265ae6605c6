package io.bitmirror.tools.notify;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sd_notify protocol, sender side: each message is one datagram of {@code KEY=VALUE} lines
 * on an AF_UNIX SOCK_DGRAM socket to the address in {@code $NOTIFY_SOCKET} (a path, or with a
 * leading {@code @} a name in the abstract namespace). Java 17 has no Unix datagram sockets, so
 * socket(2) and sendto(2) come from libc through jnr-ffi. Without {@code $NOTIFY_SOCKET} (not
 * run by systemd, or Type=simple) every call does nothing. A message that cannot be sent is
 * warned of once and otherwise ignored: the array serves whether or not systemd listens.
 */
public final class SystemdNotify {
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);

    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    /** No descriptor leaks into a program the server might start. */
    static final int SOCK_CLOEXEC = 0x80000;
    /** A full receiver queue is not worth a SIGPIPE (datagram sockets do not raise it; be sure). */
    static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(sockaddr_un.sun_path) on Linux. */
    static final int SUN_PATH = 108;

    /** The libc calls; jnr-ffi binds them at first use. */
    public interface LibC {
        int socket(int domain, int type, int protocol);

        long sendto(int fd, ByteBuffer buf, long len, int flags, ByteBuffer addr, int addrLen);

        int close(int fd);
    }

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    }

    private final String socket;
    private boolean warned;

    private SystemdNotify(String socket) {
        this.socket = socket;
    }

    /** The notifier $NOTIFY_SOCKET asks for; one that does nothing when it is unset or empty. */
    public static SystemdNotify fromEnvironment() {
        return of(System.getenv("NOTIFY_SOCKET"));
    }

    /** A notifier for {@code socket} ($NOTIFY_SOCKET's value), or one that does nothing for null. */
    public static SystemdNotify of(String socket) {
        return new SystemdNotify(socket == null || socket.isEmpty() ? null : socket);
    }

    /** True when there is a socket to tell. */
    public boolean enabled() {
        return socket != null;
    }

    /** READY=1: the export and the control socket answer from now on. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status) + "\n");
    }

    /** STATUS=: one line for {@code systemctl status}. */
    public void status(String status) {
        send("STATUS=" + oneLine(status) + "\n");
    }

    /** STOPPING=1: the clean stop has begun. */
    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + oneLine(status) + "\n");
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    /** Sends one datagram; false when it could not be sent (warned of once). */
    synchronized boolean send(String message) {
        if (socket == null) {
            return false;
        }
        String why;
        ByteBuffer addr = address(socket);
        if (addr == null) {
            why = "not an absolute path or @name";
        } else {
            LibC c = Holder.LIBC;
            int fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                why = "socket: " + errno();
            } else {
                try {
                    byte[] m = message.getBytes(StandardCharsets.UTF_8);
                    ByteBuffer buf = ByteBuffer.allocateDirect(m.length).put(m).flip();
                    long n = c.sendto(fd, buf, m.length, MSG_NOSIGNAL, addr, addr.remaining());
                    if (n == m.length) {
                        return true;
                    }
                    why = n < 0 ? "sendto: " + errno() : "sendto sent " + n + " of " + m.length + " bytes";
                } finally {
                    c.close(fd);
                }
            }
        }
        if (!warned) {
            warned = true;
            LOG.warn("NOTIFY_SOCKET {}: cannot notify systemd ({})", socket, why);
        }
        return false;
    }

    /**
     * struct sockaddr_un for {@code socket}: the family (native byte order), then the path with
     * its NUL, or for {@code @name} a NUL and the name without one (the abstract namespace counts
     * every byte of the given length); null when it is neither or too long.
     */
    static ByteBuffer address(String socket) {
        boolean abstractName = socket.startsWith("@");
        if (!abstractName && !socket.startsWith("/")) {
            return null;
        }
        byte[] name = (abstractName ? socket.substring(1) : socket).getBytes(StandardCharsets.UTF_8);
        int pathBytes = name.length + 1;
        if (pathBytes > SUN_PATH) {
            return null;
        }
        ByteBuffer a = ByteBuffer.allocateDirect(2 + pathBytes).order(ByteOrder.nativeOrder());
        a.putShort((short) AF_UNIX);
        if (abstractName) {
            a.put((byte) 0).put(name);
        } else {
            a.put(name).put((byte) 0);
        }
        return a.flip();
    }

    private static String errno() {
        int e = Runtime.getSystemRuntime().getLastError();
        return jnr.constants.platform.Errno.valueOf(e).description() + " (errno " + e + ")";
    }
}
