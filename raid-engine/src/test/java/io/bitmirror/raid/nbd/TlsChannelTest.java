package io.bitmirror.raid.nbd;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.testsupport.Requirements;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TlsChannel's read path: plain text goes straight into the caller's buffer when a record fits,
 * through the channel's own buffer when it does not (buffers from 1 byte to larger than a
 * record), in order and complete; and what the server writes reaches the client whole.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsChannelTest {
    @TempDir
    Path dir;

    private void openssl(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    private void certificates() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca-cert.pem",
                "-days", "2", "-subj", "/CN=test-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign");
        Files.writeString(dir.resolve("x.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        for (String who : new String[] {"server", "client"}) {
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + "-key.pem", "-out", who + ".csr",
                    "-subj", "/CN=" + who);
            openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
                    "-CAcreateserial", "-out", who + "-cert.pem", "-days", "2", "-extfile", "x.ext");
        }
    }

    @Test
    void readsIntoBuffersOfEverySizeInOrderAndWritesArriveWhole() throws Exception {
        Requirements.requireTools("openssl");
        certificates();
        byte[] sent = new byte[600_000];
        new Random(7).nextBytes(sent);
        int[] sizes = {1, 7, 1000, 4096, 4124, 16_383, 16_384, 16_413, 40_000, 100_000};
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel raw = server.accept()) {
                    TlsChannel t = TlsChannel.accept(raw, PemTls.server(dir), false);
                    byte[] all = new byte[sent.length];
                    int at = 0;
                    int i = 0;
                    while (at < all.length) {
                        // Direct buffers like the connection's receive buffer, partly filled at times.
                        ByteBuffer dst = ByteBuffer.allocateDirect(sizes[i++ % sizes.length]);
                        int n = t.read(dst);
                        if (n < 0) {
                            throw new AssertionError("end of stream after " + at + " bytes");
                        }
                        assertEquals(n, dst.position(), "read returns what it put in the buffer");
                        dst.flip();
                        int take = Math.min(n, all.length - at);
                        dst.get(all, at, take);
                        at += take;
                    }
                    // Back the other way: the write path, one buffer and gathered.
                    t.write(ByteBuffer.wrap(all, 0, 100_000));
                    t.write(new ByteBuffer[] {ByteBuffer.wrap(all, 100_000, 5), ByteBuffer.wrap(all, 100_005, 99_995)});
                    t.closeOutbound();
                    return all;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (SSLSocket c = (SSLSocket) PemTls.client(dir).getSocketFactory().createSocket("localhost", port)) {
                c.startHandshake();
                OutputStream out = c.getOutputStream();
                // Writes of several sizes: records of a few bytes up to the 16 KiB maximum.
                int at = 0;
                int i = 0;
                while (at < sent.length) {
                    int n = Math.min(sent.length - at, new int[] {3, 4124, 70_000, 16_384, 1}[i++ % 5]);
                    out.write(sent, at, n);
                    at += n;
                }
                out.flush();
                byte[] back = new byte[200_000];
                new DataInputStream(c.getInputStream()).readFully(back);
                assertArrayEquals(Arrays.copyOf(sent, back.length), back, "what the server wrote");
                assertArrayEquals(sent, got.get(60, TimeUnit.SECONDS), "what the server read");
            }
        }
    }
}
