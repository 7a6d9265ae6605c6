package io.bitmirror.tools.run;

import static io.bitmirror.tools.Refusals.refused;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, defect 4: an export or control socket that cannot be served is refused before the
 * array is assembled, so no member is written (sha256 of every file unchanged), with one line
 * naming the option and its value. Syntax, range and the loopback rule are usage errors (2);
 * what the file system refuses is a runtime error (1).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RefusedEndpointTest {
    @TempDir
    Path dir;

    private List<Path> m;

    @BeforeEach
    void array() throws Exception {
        m = NbdClientsTest.createArray(dir, 16L << 20);
    }

    private String assemble(int rc, String expected, String... options) throws Exception {
        String[] args = new String[options.length + 3];
        args[0] = "assemble";
        System.arraycopy(options, 0, args, 1, options.length);
        args[options.length + 1] = m.get(0).toString();
        args[options.length + 2] = m.get(1).toString();
        return refused(dir, rc, expected, args);
    }

    @Test
    void remoteAddressWithoutAllowRemote() throws Exception {
        assemble(2, "--export nbd://0.0.0.0:10999: 0.0.0.0 is not a loopback address; add --allow-remote",
                "--export=nbd://0.0.0.0:10999", "--control=" + dir.resolve("c.sock"));
    }

    @Test
    void portOutOfRange() throws Exception {
        String line = assemble(2, "--export nbd://127.0.0.1:99999: port 99999 out of range (1-65535)",
                "--export=nbd://127.0.0.1:99999", "--control=" + dir.resolve("c.sock"));
        assertFalse(line.contains("port out of range:"), line);
    }

    @Test
    void exportSocketIsARegularFile() throws Exception {
        Path file = dir.resolve("not-a-socket");
        Files.writeString(file, "keep me");
        assemble(1, "--export socket " + file + ": exists and is not a socket",
                "--export=nbd+unix:///?socket=" + file, "--control=" + dir.resolve("c.sock"));
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void exportSocketDirectoryMissing() throws Exception {
        Path sock = dir.resolve("no-such-dir").resolve("a.sock");
        assemble(1, "--export socket " + sock + ": directory " + sock.getParent() + " does not exist",
                "--export=nbd+unix:///?socket=" + sock, "--control=" + dir.resolve("c.sock"));
    }

    @Test
    void controlSocketIsARegularFile() throws Exception {
        Path file = dir.resolve("control-file");
        Files.writeString(file, "keep me too");
        assemble(1, "--control " + file + ": exists and is not a socket",
                "--export=nbd+unix:///?socket=" + dir.resolve("a.sock"), "--control=" + file);
        assertEquals("keep me too", Files.readString(file));
    }

    @Test
    void controlSocketDirectoryMissing() throws Exception {
        Path sock = dir.resolve("gone").resolve("c.sock");
        assemble(1, "--control " + sock + ": directory " + sock.getParent() + " does not exist",
                "--export=nbd+unix:///?socket=" + dir.resolve("a.sock"), "--control=" + sock);
    }

    @Test
    void notAnNbdUri() throws Exception {
        assemble(2, "--export nbds://127.0.0.1:10809: scheme nbds is not nbd+unix or nbd",
                "--export=nbds://127.0.0.1:10809", "--control=" + dir.resolve("c.sock"));
    }
}
