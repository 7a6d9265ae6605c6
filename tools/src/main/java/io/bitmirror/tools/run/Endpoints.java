package io.bitmirror.tools.run;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.nbd.NbdUri;
import io.bitmirror.raid.nbd.UnixSockets;
import io.bitmirror.tools.UsageException;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The export and the control socket, checked before the array is assembled: assembling writes
 * the members (events, the dirty state), so a refused {@code --export} or {@code --control}
 * must be refused first (B1). The servers run the same checks again when they bind.
 */
final class Endpoints {
    private Endpoints() {
    }

    /** Parses {@code --export}: a value that is not an NBD URI is a usage error. */
    static NbdUri parse(String exportUri) {
        try {
            return NbdUri.parse(exportUri);
        } catch (ArrayException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * A malformed, out-of-range or non-loopback export is a usage error (exit 2); a socket path
     * the file system refuses (no directory, a file in the way, a live server) is a runtime one.
     */
    static void check(String exportUri, boolean allowRemote, Path control) throws IOException {
        NbdUri u = parse(exportUri);
        if (u.socket() == null) {
            try {
                u.tcpAddress(allowRemote);
            } catch (ArrayException e) {
                throw new UsageException(e.getMessage());
            }
        }
        if (u.socket() != null) {
            UnixSockets.checkBindable(u.socket(), "--export socket");
        }
        if (control != null) {
            if (u.socket() != null && u.socket().toAbsolutePath().equals(control.toAbsolutePath())) {
                throw new UsageException("--control " + control + ": the same path as the export socket");
            }
            UnixSockets.checkBindable(control, "--control");
        }
    }
}
