package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defect 6 of issue 15, through the control socket of a running {@code bitmirror assemble}: a
 * client that sends nothing, one that sends half a line, and one that sends a line with no end
 * each stay connected while {@code bitmirror detail} answers; the server cuts the long line at
 * its 4 KiB bound with a one-line error, ends idle clients after its idle time, refuses clients
 * beyond its bound with a one-line error, and keeps answering afterwards.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ControlSocketAbuseTest {
    @TempDir
    Path dir;

    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "control-abuse-test");
        t.setDaemon(true);
        return t;
    });

    private static SocketChannel connect(Path control) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(control));
        return c;
    }

    /** {@code bitmirror detail}, failing (not hanging) when it takes longer than the bound. */
    private String detailWithin(Path control, long seconds) throws Exception {
        Future<Cli.Result> f = pool.submit(() -> Cli.run("detail", "--control=" + control));
        Cli.Result r;
        try {
            r = f.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            fail("bitmirror detail did not answer within " + seconds + " s");
            return null;
        }
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("State :"), r.out());
        return r.out();
    }

    /** True while the server has neither answered nor closed this client. */
    private static boolean stillHeld(SocketChannel c) throws IOException {
        c.configureBlocking(false);
        try {
            return c.read(ByteBuffer.allocate(1)) == 0;
        } finally {
            c.configureBlocking(true);
        }
    }

    /** Everything the server sends this client until it closes, within the bound. */
    private String answer(SocketChannel c, long seconds) throws Exception {
        Future<String> f = pool.submit(() -> {
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            try {
                while (c.read(b) >= 0 && b.hasRemaining()) {
                    // until the server closes
                }
            } catch (IOException reset) {
                // A Unix socket closed with unread bytes resets its peer after the queued answer.
            }
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        });
        return f.get(seconds, TimeUnit.SECONDS);
    }

    @Test
    void silentPartialAndHugeClientsNeitherBlockDetailNorKillTheServer() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20);
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            // A client that sends nothing, and one that sends "deta" with no newline.
            SocketChannel silent = connect(a.control);
            SocketChannel partial = connect(a.control);
            partial.write(ByteBuffer.wrap("deta".getBytes(StandardCharsets.US_ASCII)));
            detailWithin(a.control, 20);
            // Answered while both were still held: served at the same time, not one after the other.
            assertTrue(stillHeld(silent), "the silent client was dropped before detail was answered");
            assertTrue(stillHeld(partial), "the partial client was dropped before detail was answered");

            // Both are ended after the idle time, each with a one-line error.
            String s = answer(silent, 30);
            assertTrue(s.matches("\\{\"ok\":false,\"error\":\"no request within \\d+ ms\"}\n"), s);
            String p = answer(partial, 30);
            assertTrue(p.matches("\\{\"ok\":false,\"error\":\"request line not ended within \\d+ ms\"}\n"), p);
            silent.close();
            partial.close();

            // A line with no newline: 8 MiB offered, cut at 4 KiB with one line, the sender refused.
            SocketChannel huge = connect(a.control);
            Future<Long> sent = pool.submit(() -> {
                ByteBuffer chunk = ByteBuffer.allocate(1 << 16);
                long total = 0;
                try {
                    for (int i = 0; i < 128; i++) {
                        while (chunk.position() < chunk.capacity()) {
                            chunk.put((byte) 'x');
                        }
                        chunk.flip();
                        while (chunk.hasRemaining()) {
                            total += huge.write(chunk);
                        }
                        chunk.clear();
                    }
                } catch (IOException closedByServer) {
                    // expected: the server stopped reading and closed
                }
                return total;
            });
            String h = answer(huge, 30);
            assertEquals("{\"ok\":false,\"error\":\"request line longer than 4096 bytes\"}\n", h);
            long total = sent.get(30, TimeUnit.SECONDS);
            assertTrue(total < 8L << 20, "the server read all " + total + " bytes of a line with no end");
            huge.close();
            detailWithin(a.control, 20);

            // At most 8 clients at once: a ninth is told so in one line, and detail works after.
            List<SocketChannel> held = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                held.add(connect(a.control));
            }
            Thread.sleep(200);
            SocketChannel ninth = connect(a.control);
            String busy = answer(ninth, 30);
            assertTrue(busy.startsWith("{\"ok\":false,\"error\":\"control socket busy"), busy);
            ninth.close();
            for (SocketChannel c : held) {
                c.close();
            }
            detailWithin(a.control, 20);

            assertTrue(a.process.isAlive(), a.output());
            assertEquals(0, a.stop(), a.output());
            assertFalse(a.output().contains("OutOfMemoryError"), a.output());
        } finally {
            pool.shutdownNow();
        }
    }
}
