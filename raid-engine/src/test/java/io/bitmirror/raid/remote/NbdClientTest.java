package io.bitmirror.raid.remote;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.member.MemberPort;
import io.bitmirror.testsupport.Requirements;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NBD client against real servers started here (nbdkit's file plugin, with its error and
 * delay filters; qemu-nbd): pipelined round trips from many threads over several connections,
 * structured reads with holes, error replies, a server killed with requests in flight, refusals,
 * and no allocation per request.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NbdClientTest {
    private static final long SIZE = 16L << 20;

    @TempDir
    Path dir;

    private final List<Process> servers = new ArrayList<>();

    @AfterEach
    void stopServers() throws InterruptedException {
        for (Process p : servers) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Path image(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    /** Starts a server (no shell: the process is the server) and waits for its socket. */
    private NbdMemberUri serve(Path socket, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("server-" + servers.size() + ".log").toFile()).start();
        servers.add(p);
        long end = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(socket)) {
            assertTrue(p.isAlive(), "server exited: " + String.join(" ", cmd));
            assertTrue(System.nanoTime() < end, "server did not start");
            Thread.sleep(20);
        }
        return NbdMemberUri.parse("nbd+unix:///?socket=" + socket);
    }

    private NbdMemberUri nbdkit(Path file, String... extra) throws Exception {
        Requirements.requireTools("nbdkit");
        Path sock = dir.resolve("k" + servers.size() + ".sock");
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-f", "-U", sock.toString()));
        List<String> params = new ArrayList<>();
        for (String e : extra) {
            (e.startsWith("-") ? cmd : params).add(e);
        }
        cmd.add("file");
        cmd.add("file=" + file);
        cmd.addAll(params);
        return serve(sock, cmd.toArray(new String[0]));
    }

    /** A completion counter for port requests. */
    private static final class Count implements MemberPort.Done {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();

        @Override
        public void ended(long tag, boolean good) {
            (good ? ok : failed).incrementAndGet();
        }

        int total() {
            return ok.get() + failed.get();
        }

        void await(int n, long seconds) throws InterruptedException {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (total() < n && System.nanoTime() < end) {
                Thread.sleep(5);
            }
        }
    }

    @Test
    void pipelinedRoundTripFromManyThreadsOverSeveralConnections() throws Exception {
        Path img = image("a.img", SIZE);
        NbdMemberUri uri = nbdkit(img);
        String given = System.getProperty("seed", "");
        long seed = given.isBlank() ? 7 : Long.parseLong(given.trim());
        System.out.println("NbdClientTest seed " + seed + " (replay with -Dseed=" + seed + ")");
        try (NbdClient c = NbdClient.connect(uri, null, true, 16)) {
            assertEquals(SIZE, c.sizeBytes());
            // nbdkit's file plugin sets CAN_MULTI_CONN.
            assertEquals(NbdClient.MULTI_CONN, c.connections());
            int threads = 8;
            int perThread = 300;
            List<Thread> ts = new ArrayList<>();
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    try {
                        // Each thread its own 2 MiB stripe: block i holds (seed, thread, i).
                        SplittableRandom r = new SplittableRandom(seed + id);
                        ByteBuffer b = DirectIo.allocate(4096);
                        Count done = new Count();
                        int blocks = 512;
                        ByteBuffer[] bufs = new ByteBuffer[32];
                        for (int k = 0; k < bufs.length; k++) {
                            bufs[k] = DirectIo.allocate(4096);
                        }
                        for (int i = 0; i < perThread; i++) {
                            // Up to 32 of this thread's writes in flight at once.
                            ByteBuffer w = bufs[i % bufs.length];
                            done.await(i - bufs.length + 1, 30);
                            int blk = i % blocks;
                            w.clear();
                            while (w.hasRemaining()) {
                                w.putLong(r.nextLong());
                            }
                            w.clear().putInt(0, id).putInt(4, blk);
                            c.submitWrite((long) (id * blocks + blk) * 4096, w, false, i, done);
                        }
                        done.await(perThread, 30);
                        assertEquals(perThread, done.ok.get());
                        c.flush();
                        b.clear();
                        c.read((long) (id * blocks) * 4096, b);
                        assertEquals(id, b.getInt(0));
                    } catch (Throwable x) {
                        errors.add(x);
                    }
                });
                ts.add(th);
                th.start();
            }
            for (Thread th : ts) {
                th.join();
            }
            assertTrue(errors.isEmpty(), "seed " + seed + ": " + errors);
            // What the client reads is what the server's file holds.
            ByteBuffer all = DirectIo.allocate(1 << 20);
            c.read(0, all);
            byte[] file = Files.readAllBytes(img);
            all.clear();
            for (int i = 0; i < 1 << 20; i++) {
                assertEquals(file[i], all.get(i), "byte " + i);
            }
            // Trim is write-zeroes: the range reads back as zeroes.
            c.trim(0, 8192);
            all.clear().limit(8192);
            c.read(0, all);
            for (int i = 0; i < 8192; i++) {
                assertEquals(0, all.get(i));
            }
            c.write(4096, DirectIo.allocate(4096), true);
        }
    }

    @Test
    void structuredReadsOfHolesComeBackAsZeroes() throws Exception {
        Requirements.requireTools("qemu-nbd");
        Path img = image("sparse.img", SIZE);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(1 << 20);
            f.write(new byte[] {1, 2, 3, 4});
        }
        Path sock = dir.resolve("q.sock");
        NbdMemberUri uri = serve(sock, "qemu-nbd", "-f", "raw", "-t", "-e", "4", "-k", sock.toString(), img.toString());
        try (NbdClient c = NbdClient.connect(uri, null, false, 8)) {
            ByteBuffer b = DirectIo.allocate(4 << 20);
            for (int i = 0; i < b.capacity(); i++) {
                b.put(i, (byte) 0x5a);
            }
            c.read(0, b);
            for (int i = 0; i < b.capacity(); i++) {
                byte want = i >= 1 << 20 && i < (1 << 20) + 4 ? (byte) (i - (1 << 20) + 1) : 0;
                assertEquals(want, b.get(i), "byte " + i);
            }
        }
    }

    @Test
    void errorRepliesFailTheRequestAndSayWhy() throws Exception {
        Path img = image("e.img", SIZE);
        NbdMemberUri uri = nbdkit(img, "--filter=error", "error-pwrite=EIO", "error-pwrite-rate=100%");
        try (NbdClient c = NbdClient.connect(uri, null, true, 8)) {
            IOException e = assertThrows(IOException.class, () -> c.write(0, DirectIo.allocate(4096), false));
            assertTrue(e.getMessage().contains("EIO") && e.getMessage().contains("write at 0"), e.getMessage());
            // The link is fine: reads still work, the member is not "down".
            c.read(0, DirectIo.allocate(4096));
            assertTrue(c.connected());
        }
    }

    @Test
    void aKilledServerEndsEverythingInFlightAndLaterRequestsAtOnce() throws Exception {
        Path img = image("k.img", SIZE);
        NbdMemberUri uri = nbdkit(img, "--filter=delay", "rdelay=3");
        try (NbdClient c = NbdClient.connect(uri, null, true, 16)) {
            Count done = new Count();
            for (int i = 0; i < 10; i++) {
                c.submitRead((long) i * 4096, DirectIo.allocate(4096), i, done);
            }
            Thread.sleep(200);
            assertEquals(0, done.total(), "still in flight");
            servers.get(0).destroyForcibly();
            done.await(10, 10);
            assertEquals(10, done.failed.get(), "every request in flight ended failed");
            assertTrue(c.linkDown());
            assertTrue(c.lastError().getMessage().contains("connection lost"), c.lastError().getMessage());
            Count later = new Count();
            c.submitWrite(0, DirectIo.allocate(4096), false, 0, later);
            assertEquals(1, later.failed.get(), "ends at once");
        }
    }

    @Test
    void refusalsAreOneLineNamingTheUri() throws Exception {
        Path img = image("r.img", SIZE);
        NbdMemberUri ro = nbdkit(img, "-r");
        IOException e = assertThrows(IOException.class, () -> NbdClient.connect(ro, null, true, 4));
        assertEquals(ro + ": the export is read-only; a member must be writable", e.getMessage());
        NbdMemberUri none = NbdMemberUri.parse("nbd+unix:///?socket=" + dir.resolve("nothing.sock"));
        e = assertThrows(IOException.class, () -> NbdClient.connect(none, null, true, 4));
        assertTrue(e.getMessage().startsWith(none + ": "), e.getMessage());
        NbdMemberUri tls = NbdMemberUri.parse("nbds://localhost:1/");
        e = assertThrows(IOException.class, () -> NbdClient.connect(tls, null, true, 4));
        assertTrue(e.getMessage().contains("--tls-certificates=DIR"), e.getMessage());
        Requirements.requireTools("qemu-nbd");
        Path sock = dir.resolve("named.sock");
        serve(sock, "qemu-nbd", "-f", "raw", "-t", "-x", "disk", "-k", sock.toString(), img.toString());
        NbdMemberUri other = NbdMemberUri.parse("nbd+unix:///other?socket=" + sock);
        e = assertThrows(IOException.class, () -> NbdClient.connect(other, null, true, 4));
        assertTrue(e.getMessage().contains("no export named 'other'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void noAllocationPerRequest() throws Exception {
        Path img = image("z.img", SIZE);
        NbdMemberUri uri = nbdkit(img);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (NbdClient c = NbdClient.connect(uri, null, true, 32)) {
            ByteBuffer[] bufs = new ByteBuffer[32];
            for (int k = 0; k < bufs.length; k++) {
                bufs[k] = DirectIo.allocate(4096);
            }
            Count done = new Count();
            int warm = 25_000;
            int n = Integer.getInteger("nbd.alloc.n", 20_000);
            long before = 0;
            long[] ids = null;
            for (int i = 0; i < warm + n; i++) {
                if (i == warm) {
                    done.await(warm, 30);
                    // The threads are looked up before the window: that lookup allocates.
                    ids = threadIds();
                    before = allocated(mx, ids);
                }
                while (i - done.total() >= bufs.length) {
                    Thread.onSpinWait();
                }
                ByteBuffer b = bufs[i % bufs.length];
                b.clear();
                c.submitWrite((long) (i % 4096) * 4096, b, false, i, done);
            }
            done.await(warm + n, 60);
            long bytes = allocated(mx, ids) - before;
            System.out.printf("nbd client: %d bytes allocated over %d pipelined writes (submitter + readers)%n", bytes, n);
            assertEquals(warm + n, done.ok.get());
            // After the warm-up (first-use caches, JIT): nothing per request; a few hundred bytes of
            // bookkeeping at most over the whole window.
            assertTrue(bytes < 2_048, bytes + " bytes over " + n + " writes");
        }
    }

    /** This thread and the client's reader threads. */
    private static long[] threadIds() {
        List<Long> ids = new ArrayList<>(List.of(Thread.currentThread().getId()));
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("nbd-client ")) {
                ids.add(t.getId());
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    /** Bytes allocated so far by these threads. */
    private static long allocated(com.sun.management.ThreadMXBean mx, long[] ids) {
        long sum = 0;
        for (long id : ids) {
            sum += mx.getThreadAllocatedBytes(id);
        }
        return sum;
    }
}
