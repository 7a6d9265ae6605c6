package io.bitmirror.raid.nbd;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.metadata.TestArrays;
import io.bitmirror.testsupport.Requirements;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzing the option and TLS phases: sessions of random, truncated and oversized option frames,
 * garbage after STARTTLS, garbage client flags, from two clients at once, against a server with
 * TLS on. Between sessions a well-behaved client must still be served, and at the end every
 * connection is gone, threads are back to where they were and the heap has not grown. Seeded:
 * the seed is printed, {@code -Dseed=N} replays it.
 */
class NbdHandshakeFuzzTest {
    static final int SESSIONS = 240;
    static final int[] OPTIONS = {Nbd.OPT_EXPORT_NAME, Nbd.OPT_ABORT, Nbd.OPT_LIST, Nbd.OPT_STARTTLS, Nbd.OPT_INFO,
        Nbd.OPT_GO, Nbd.OPT_STRUCTURED_REPLY, Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT, 4, 11, 0x7fffffff};

    @TempDir
    Path dir;

    @Test
    void randomOptionAndTlsFramesLeaveTheServerServing() throws Exception {
        Requirements.requireTools("openssl");
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("NbdHandshakeFuzzTest seed=" + seed + " (replay with -Dseed=" + seed + ")");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                "server-key.pem", "-out", "server-cert.pem", "-days", "2", "-subj", "/CN=localhost")
                .directory(certs.toFile()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        Files.copy(certs.resolve("server-cert.pem"), certs.resolve("ca-cert.pem"));

        List<Path> m = TestArrays.files(dir, 2, 24L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).name("fuzz").homehost("h").assumeClean(true).devices(m)
                .build()).write();
        RaidArray array = RaidArray.assemble(AssembleOptions.builder(m).build());
        Path sock = dir.resolve("s.sock");
        NbdServer server = NbdServer.start(array, "fuzz", NbdUri.unix(sock), false,
                NbdOptions.defaults(Dispatch.AUTO).withTls(TlsMode.ON, PemTls.server(certs), false).withLimits(16, 2_000));
        try {
            // A good client before: its reads are the reference.
            byte[] known = new byte[4096];
            new SplittableRandom(seed).nextBytes(known);
            try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
                assertEquals(0, c.write(8192, known, 1));
            }
            NbdNegotiationTest.waitFor(() -> server.connections() == 0);
            System.gc();
            long heap0 = usedHeap();
            int threads0 = Thread.activeCount();

            SplittableRandom master = new SplittableRandom(seed);
            List<SplittableRandom> sessions = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                sessions.add(master.split());
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] t = new Thread[2];
            for (int k = 0; k < t.length; k++) {
                int first = k;
                t[k] = new Thread(() -> {
                    try {
                        for (int i = first; i < SESSIONS; i += t.length) {
                            session(sock, sessions.get(i));
                            if (i % 40 == first) {
                                try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
                                    assertArrayEquals(known, c.read(8192, 4096, i), "served after session " + i);
                                }
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "fuzz-" + k);
                t[k].start();
            }
            for (Thread x : t) {
                x.join(300_000);
                assertFalse(x.isAlive(), "fuzz client stuck (seed " + seed + ")");
            }
            if (failure.get() != null) {
                throw new AssertionError("seed " + seed + ": " + failure.get(), failure.get());
            }
            // Every connection ends: closed by the client, refused, or cut at the handshake deadline.
            NbdNegotiationTest.waitFor(() -> server.connections() == 0);
            try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
                assertArrayEquals(known, c.read(8192, 4096, 1), "served after the fuzzing (seed " + seed + ")");
            }
            long end = System.nanoTime() + 10_000_000_000L;
            while (Thread.activeCount() > threads0 + 2 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            System.gc();
            long grown = usedHeap() - heap0;
            System.out.printf("fuzz: %d sessions, threads %d -> %d, heap grew %d KiB%n", SESSIONS, threads0,
                    Thread.activeCount(), grown >> 10);
            assertTrue(Thread.activeCount() <= threads0 + 2, "threads left behind: " + Thread.activeCount() + " vs " + threads0);
            assertTrue(grown < 32L << 20, "heap grew by " + grown + " bytes (seed " + seed + ")");
        } finally {
            server.stop();
            array.stop();
        }
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    /** One hostile session; any I/O error (the server hung up) ends it. */
    static void session(Path sock, SplittableRandom rnd) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            ByteBuffer hello = ByteBuffer.allocate(18);
            while (hello.hasRemaining() && ch.read(hello) >= 0) {
                // the greeting
            }
            if (hello.hasRemaining()) {
                return;
            }
            int flags = rnd.nextInt(10) == 0 ? rnd.nextInt() : Nbd.FLAG_C_FIXED_NEWSTYLE | rnd.nextInt(2) * Nbd.FLAG_C_NO_ZEROES;
            send(ch, buf(4).putInt(flags).flip());
            int frames = 1 + rnd.nextInt(8);
            for (int f = 0; f < frames; f++) {
                int kind = rnd.nextInt(6);
                int option = OPTIONS[rnd.nextInt(OPTIONS.length)];
                switch (kind) {
                    case 0: // a well-formed header, random data
                    case 1: {
                        byte[] d = new byte[rnd.nextInt(rnd.nextBoolean() ? 16 : 300)];
                        rnd.nextBytes(d);
                        frame(ch, option, d.length, d);
                        break;
                    }
                    case 2: { // oversized length, a little data, then the client goes
                        long len = rnd.nextBoolean() ? Nbd.MAX_OPTION + 1 + rnd.nextInt(1 << 20) : 0xffffffffL - rnd.nextInt(100);
                        byte[] d = new byte[rnd.nextInt(2000)];
                        frame(ch, option, len, d);
                        return;
                    }
                    case 3: { // a truncated frame
                        byte[] d = new byte[rnd.nextInt(64)];
                        ByteBuffer b = buf(16 + d.length).putLong(Nbd.IHAVEOPT).putInt(option).putInt(d.length).put(d).flip();
                        b.limit(rnd.nextInt(b.limit()));
                        send(ch, b);
                        return;
                    }
                    case 4: { // STARTTLS, then garbage or a cut-off TLS record
                        frame(ch, Nbd.OPT_STARTTLS, 0, new byte[0]);
                        byte[] g = new byte[rnd.nextInt(600)];
                        rnd.nextBytes(g);
                        if (rnd.nextBoolean() && g.length > 5) {
                            // a TLS handshake record header claiming more than follows
                            g[0] = 0x16;
                            g[1] = 3;
                            g[2] = 1;
                            g[3] = 0x40;
                            g[4] = 0;
                        }
                        send(ch, ByteBuffer.wrap(g));
                        return;
                    }
                    default: { // garbage where a header should be
                        byte[] g = new byte[1 + rnd.nextInt(100)];
                        rnd.nextBytes(g);
                        send(ch, ByteBuffer.wrap(g));
                        break;
                    }
                }
            }
        } catch (IOException hungUp) {
            // the server refused this session: what it should do
        }
    }

    private static void frame(SocketChannel ch, int option, long length, byte[] data) throws IOException {
        send(ch, buf(16).putLong(Nbd.IHAVEOPT).putInt(option).putInt((int) length).flip());
        send(ch, ByteBuffer.wrap(data));
    }

    private static void send(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static ByteBuffer buf(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.BIG_ENDIAN);
    }

}
