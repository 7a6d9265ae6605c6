package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defect 2 of issue 15, through the NBD socket of a running {@code bitmirror assemble}: clients
 * that send big READs and never read the replies (two pipelining 278 FUA READs of 1 MiB each,
 * seventy sending one 32 MiB READ each) must not stall a well-behaved client, nor SIGTERM. The
 * well-behaved client is the real {@code nbdcopy}, copying the whole export out; then SIGTERM,
 * with the bad clients still connected, must end the server promptly and cleanly: exit 0, no
 * request run against closed members, both members marked clean.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MisbehavingNbdClientsTest {
    private static final long NBDMAGIC = 0x4e42444d41474943L;
    private static final long IHAVEOPT = 0x49484156454F5054L;
    private static final int OPT_GO = 7;
    private static final int REP_ACK = 1;
    private static final int REQUEST_MAGIC = 0x25609513;
    private static final int CMD_READ = 0;
    private static final int FLAG_FUA = 1;

    @TempDir
    Path dir;

    /** A raw client through the fixed newstyle handshake (NBD_OPT_GO), then left to misbehave. */
    private static SocketChannel handshake(Path socket) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(socket));
        ByteBuffer hello = readFully(c, 18);
        assertEquals(NBDMAGIC, hello.getLong());
        assertEquals(IHAVEOPT, hello.getLong());
        c.write(ByteBuffer.allocate(4).putInt(1 | 2).flip());
        c.write(ByteBuffer.allocate(22).putLong(IHAVEOPT).putInt(OPT_GO).putInt(6).putInt(0).putShort((short) 0)
                .flip());
        while (true) {
            ByteBuffer h = readFully(c, 20);
            h.getLong();
            h.getInt();
            int type = h.getInt();
            readFully(c, h.getInt());
            if (type == REP_ACK) {
                return c;
            }
            assertTrue(type > 0, "option error " + Integer.toHexString(type));
        }
    }

    private static ByteBuffer readFully(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("server closed during the handshake");
            }
        }
        return b.flip();
    }

    private static void read(SocketChannel c, int flags, long cookie, long offset, int length) throws IOException {
        ByteBuffer r = ByteBuffer.allocate(28).putInt(REQUEST_MAGIC).putShort((short) flags)
                .putShort((short) CMD_READ).putLong(cookie).putLong(offset).putInt(length).flip();
        while (r.hasRemaining()) {
            c.write(r);
        }
    }

    /** Two connections pipelining 1 MiB FUA READs and seventy with one 32 MiB READ, none reading. */
    private static List<SocketChannel> misbehave(Path socket) throws Exception {
        List<SocketChannel> bad = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            SocketChannel c = handshake(socket);
            bad.add(c);
            for (int i = 0; i < 278; i++) {
                read(c, FLAG_FUA, i, (i % 60) * (1L << 20), 1 << 20);
            }
        }
        for (int k = 0; k < 70; k++) {
            SocketChannel c = handshake(socket);
            bad.add(c);
            read(c, 0, k, (k % 2) * (32L << 20), 32 << 20);
        }
        // Time for the server to take all of that in and fill its socket buffers.
        Thread.sleep(2_000);
        return bad;
    }

    private static void closeAll(List<SocketChannel> bad) throws IOException {
        for (SocketChannel c : bad) {
            c.close();
        }
    }

    /** SIGTERM with the bad clients still connected: a prompt, clean stop. */
    private static void stopsPromptlyAndCleanly(ArrayProcess a, int clients) throws Exception {
        long t0 = System.nanoTime();
        a.process.destroy();
        boolean exited = a.process.waitFor(30, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(exited, "SIGTERM not honoured within 30 s while clients hold unread replies: " + a.output());
        assertEquals(0, a.process.exitValue(), a.output());
        System.out.printf("stopped in %d ms with %d misbehaving clients connected%n", ms, clients);
        String text = a.output();
        assertFalse(text.contains("failed on every member"), text);
        assertTrue(text.contains("stopped cleanly"), text);
    }

    private static void membersClean(List<Path> m) {
        for (Path member : m) {
            Cli.Result e = Cli.run("examine", member.toString());
            assertTrue(e.out().contains("State : clean"), e.out());
        }
    }

    @Test
    void nbdcopyCompletesBesideClientsThatNeverReadTheirReplies() throws Exception {
        External.requireTool("nbdcopy");
        long size = 64L << 20;
        List<Path> m = NbdClientsTest.createArray(dir, size + (8L << 20));
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            List<SocketChannel> bad = misbehave(a.socket);
            try {
                Path out = dir.resolve("copy.img");
                Path log = dir.resolve("nbdcopy.log");
                Process p = new ProcessBuilder("nbdcopy", a.uri(), out.toString()).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
                boolean done = p.waitFor(60, TimeUnit.SECONDS);
                if (!done) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
                assertTrue(done, "nbdcopy from a third client did not finish within 60 s beside clients that do "
                        + "not read their replies");
                assertEquals(0, p.exitValue(), Files.readString(log));
                assertTrue(Files.size(out) >= size, "nbdcopy copied " + Files.size(out) + " bytes");
                stopsPromptlyAndCleanly(a, bad.size());
            } finally {
                closeAll(bad);
            }
        }
        membersClean(m);
    }

    @Test
    void sigtermEndsTheServerWhileClientsHoldUnreadReplies() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 72L << 20);
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            List<SocketChannel> bad = misbehave(a.socket);
            try {
                stopsPromptlyAndCleanly(a, bad.size());
            } finally {
                closeAll(bad);
            }
        }
        membersClean(m);
    }
}
