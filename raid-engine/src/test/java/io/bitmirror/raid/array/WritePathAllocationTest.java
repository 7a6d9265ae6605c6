package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.internal.ArrayInternals;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberIoMode;
import io.bitmirror.raid.measure.ThreadAllocation;
import io.bitmirror.raid.metadata.TestArrays;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;

/**
 * W5 measured: in steady state the write path (writer threads, member I/O threads or the AIO
 * completion thread, bitmap flusher and daemon, and the array's housekeeper), in each
 * {@link MemberIoMode}, allocates zero bytes per write. Warm-up, then
 * settle rounds until one round allocates nothing (JIT compilation resolves constants once per
 * class), then a measured window that must allocate exactly 0 bytes. The writes keep a hot set
 * of chunks dirty and visit the others now and then, with no client flush: so inside the window
 * the bitmap's slow path (a clean chunk, a page write) runs, and so do the daemon's clearing and
 * its own member flushes (L1); the window's counters prove it.
 */
class WritePathAllocationTest {
    @TempDir
    Path tmp;

    @org.junit.jupiter.params.ParameterizedTest(name = "member I/O: {0}")
    @org.junit.jupiter.params.provider.EnumSource(value = MemberIoMode.class, names = {"AIO", "THREADS", "INLINE"})
    void steadyStateWritesAllocateNothing(MemberIoMode mode) throws Exception {
        measure(b -> b.memberIo(mode), a -> assertEquals(mode.word(), a.status().memberIo(),
                "the mode asked for is the one measured"));
    }

    /**
     * W5 with {@code --cache=writeback}: members written through the page cache by the requesting
     * thread, and their fdatasync (bitmap commits, the daemon's flushes), allocate nothing either.
     * On /dev/shm like the modes above (on ext4 the same window took 144 s of real fdatasync and
     * allocated nothing either: what is measured here is the Java side).
     */
    @org.junit.jupiter.api.Test
    void writebackCacheWritesAllocateNothing() throws Exception {
        measure(b -> b.cache(io.bitmirror.raid.member.CacheMode.WRITEBACK),
                a -> assertEquals("writeback", a.status().cache()));
    }

    /**
     * W5 with write-behind to a remote member: member 1 is an nbdkit export reached by the
     * array's NBD client, write-mostly, and the bitmap allows 256 writes behind. The writers, the
     * client's reader threads (which end the copies behind and let go of the bits) and the rest
     * of the path allocate nothing either.
     */
    @org.junit.jupiter.api.Test
    void writeBehindToARemoteMemberAllocatesNothing() throws Exception {
        io.bitmirror.testsupport.Requirements.requireTools("nbdkit");
        Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Files.createTempDirectory(Path.of("/dev/shm"), "bm-alloc")
                : tmp;
        Process nbdkit = null;
        try {
            List<Path> files = TestArrays.files(dir, 2, 64L << 20);
            Path sock = dir.resolve("remote.sock");
            nbdkit = new ProcessBuilder("nbdkit", "-f", "-U", sock.toString(), "file", "file=" + files.get(1))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            for (int i = 0; i < 400 && !Files.exists(sock); i++) {
                Thread.sleep(10);
            }
            Path remote = io.bitmirror.raid.remote.NbdMemberUri.parse("nbd+unix:///?socket=" + sock).asPath();
            List<Path> m = List.of(files.get(0), remote);
            ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(1 << 20).name("alloc").homehost("h")
                    .assumeClean(true).devices(m).writeMostly(1).writeBehind(256).build()).write();
            RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).daemonSleepMillis(10).build());
            try {
                List<Thread> readers = new ArrayList<>();
                for (Thread t : Thread.getAllStackTraces().keySet()) {
                    if (t.getName().startsWith("nbd-client ")) {
                        readers.add(t);
                    }
                }
                assertFalse(readers.isEmpty(), "the remote member's reader threads");
                assertTrue(a.status().members().get(1).writeMostly(), "member 1 is write-mostly: its writes go behind");
                run(a, 20_000, readers);
            } finally {
                a.stop();
            }
        } finally {
            if (nbdkit != null) {
                nbdkit.destroyForcibly();
                nbdkit.waitFor();
            }
            if (!dir.equals(tmp)) {
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(dir);
            }
        }
    }

    private interface Check<T> {
        void accept(T t) throws Exception;
    }

    /** A fresh two-member array on /dev/shm, assembled with {@code options}, checked, then measured. */
    private void measure(java.util.function.UnaryOperator<AssembleOptions.Builder> options, Check<RaidArray> check)
            throws Exception {
        Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Files.createTempDirectory(Path.of("/dev/shm"), "bm-alloc")
                : tmp;
        try {
            List<Path> m = TestArrays.files(dir, 2, 64L << 20);
            ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(1 << 20).name("alloc").homehost("h")
                    .assumeClean(true).devices(m).build()).write();
            RaidArray a = RaidArray.assemble(options.apply(AssembleOptions.builder(m).daemonSleepMillis(10)).build());
            try {
                check.accept(a);
                run(a, 100_000, List.of());
            } finally {
                a.stop();
            }
        } finally {
            if (!dir.equals(tmp)) {
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(dir);
            }
        }
    }

    /** 8 chunks of 1 MiB. */
    static final long HOT_BLOCKS = 8 * 256;

    private static final class Writer extends Thread {
        final RaidArray a;
        final long blocks;
        volatile long todo;
        volatile long done;
        volatile Throwable failure;

        /** Where this writer's visits to the cold chunks start (the writers stay apart). */
        final long spread;

        Writer(RaidArray a, int n) {
            super("alloc-writer-" + n);
            this.spread = n * 27L * 256;
            this.a = a;
            this.blocks = a.sizeBytes() / 4096;
            setDaemon(true);
        }

        @Override
        public void run() {
            IoSlot s = a.acquireSlot();
            long x = getName().hashCode() | 1L;
            try {
                while (true) {
                    while (done >= todo) {
                        if (todo < 0) {
                            return;
                        }
                        Thread.onSpinWait();
                    }
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    // Mostly the first 8 chunks (hot, dirty all along); every 256th write goes to
                    // one of the others in turn, long idle in between: cleared, then dirtied again.
                    long block = (done & 255) == 0 ? HOT_BLOCKS + ((done >>> 8) * 273 + spread) % (blocks - HOT_BLOCKS)
                            : (x >>> 1) % HOT_BLOCKS;
                    a.write(s, block * 4096, 4096, false);
                    done = done + 1;
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                a.releaseSlot(s);
            }
        }
    }

    /** Writes in rounds of {@code per} per writer; {@code more}: threads of the path the array does not own. */
    private void run(RaidArray a, long per, List<Thread> more) throws Exception {
        List<Writer> writers = List.of(new Writer(a, 0), new Writer(a, 1));
        for (Writer w : writers) {
            w.start();
        }
        List<Thread> path = new ArrayList<>(writers);
        path.addAll(ArrayInternals.ioThreads(a));
        path.addAll(more);
        long target = 0;
        // Warm-up, then settle rounds until a round allocates nothing.
        long last = -1;
        for (int round = 0; round < 12 && last != 0; round++) {
            long[] before = ThreadAllocation.snapshot(path);
            target += round < 3 ? 3 * per : per;
            advance(writers, target);
            last = ThreadAllocation.delta(before, ThreadAllocation.snapshot(path));
        }
        // The measured window; repeated (at most 5 times) only if a one-off event allocated
        // in it: steady state means some whole window of 400,000 writes allocates nothing.
        long allocated = -1;
        WriteIntentBitmap bm = a.bitmap();
        long pageWrites = 0;
        long cleared = 0;
        long memberFlushes = 0;
        for (int window = 0; window < 5 && allocated != 0; window++) {
            long pw0 = bm.pageWrites();
            long cl0 = bm.clearedChunks();
            long mf0 = bm.daemonMemberFlushes();
            long[] before = ThreadAllocation.snapshot(path);
            target += 2 * per;
            advance(writers, target);
            long[] afterSnap = ThreadAllocation.snapshot(path);
            allocated = ThreadAllocation.delta(before, afterSnap);
            if (allocated != 0) {
                for (int i = 0; i < path.size(); i++) {
                    if (afterSnap[i] != before[i]) {
                        System.out.printf("  %s allocated %d bytes%n", path.get(i).getName(), afterSnap[i] - before[i]);
                    }
                }
            }
            pageWrites = bm.pageWrites() - pw0;
            cleared = bm.clearedChunks() - cl0;
            memberFlushes = bm.daemonMemberFlushes() - mf0;
            System.out.printf("write path window %d: %d bytes; in the window %d bitmap page writes, %d chunks "
                    + "cleared, %d member flushes by the daemon%n", window, allocated, pageWrites, cleared, memberFlushes);
        }
        for (Writer w : writers) {
            w.todo = -1;
            w.join(10_000);
            assertNull(w.failure);
        }
        System.out.printf("write path: %d writes measured, %d bytes allocated over %d threads%n", 2 * 2 * per, allocated,
                path.size());
        assertEquals(0, allocated, "the write path must not allocate in steady state (W5)");
        // The window measured the slow path and the clearing, not only the lock-free fast path.
        assertTrue(pageWrites > 0, "no bitmap page write (slow path) in the measured window");
        assertTrue(cleared > 0, "no chunk cleared in the measured window");
        assertTrue(memberFlushes > 0, "the daemon did not flush the members itself in the measured window");
    }

    private static void advance(List<Writer> writers, long target) throws InterruptedException {
        for (Writer w : writers) {
            w.todo = target;
        }
        for (Writer w : writers) {
            while (w.done < target) {
                assertNull(w.failure);
                Thread.sleep(2);
            }
        }
    }

}
