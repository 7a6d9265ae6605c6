package io.bitmirror.raid.nbd;

import io.bitmirror.raid.ArrayException;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Listening Unix sockets that only their owner can use (mode 0600), for the export and the control socket. */
public final class UnixSockets {
    private UnixSockets() {
    }

    /**
     * Binds {@code socket} with mode 0600 and no moment at which it is more open: it is created
     * under a temporary name in a private (0700) directory, restricted, then renamed into place.
     * A stale socket left by a process that died is replaced; a live one, or any other file, is
     * refused with a one-line message naming {@code what}.
     */
    public static ServerSocketChannel bindPrivate(Path socket, String what) throws IOException {
        Path abs = socket.toAbsolutePath();
        Path dir = abs.getParent();
        if (checkBindable(socket, what)) {
            Files.delete(abs);
        }
        Path tmp = Files.createTempDirectory(dir, ".bitmirror-sock-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path tmpSock = tmp.resolve("s");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(tmpSock));
            Files.setPosixFilePermissions(tmpSock, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmpSock, abs, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            ch.close();
            throw e;
        } finally {
            Files.deleteIfExists(tmpSock);
            Files.deleteIfExists(tmp);
        }
        return ch;
    }

    /**
     * Checks, without changing anything, that {@link #bindPrivate} can bind {@code socket}: its
     * directory exists and the path is free or a stale socket. Called before an array is
     * assembled, so that a refused socket leaves the members untouched.
     *
     * @return true when a stale socket is in the way (bindPrivate replaces it)
     */
    public static boolean checkBindable(Path socket, String what) throws IOException {
        Path abs = socket.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ArrayException(what + " " + socket + ": directory " + dir + " does not exist");
        }
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        int mode = (Integer) Files.getAttribute(abs, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0170000) != 0140000) {
            throw new ArrayException(what + " " + socket + ": exists and is not a socket");
        }
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(abs))) {
            throw new ArrayException(what + " " + socket + ": another server is listening on it");
        } catch (IOException stale) {
            return true;
        }
    }
}
