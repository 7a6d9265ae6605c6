package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partial-block layer through the Java API, while the initial resync runs: four threads
 * write and read at random offsets and lengths (1..20000 bytes, across block and chunk
 * boundaries), each in its own region (its cells), and the cells' edges fall inside blocks, so
 * two threads' read-modify-writes meet in the same block. Every read is checked against the
 * thread's model at once; at the end both members' data areas must be identical and hold every
 * acknowledged write. Breaks when partial blocks are merged without their block lock (a
 * neighbour's bytes go back to old: seen within seconds), or when a read or a merge takes a
 * member the resync has not reached (the second member starts as junk).
 *
 * <p>{@code -Dseed=N} replays a run; the seed is printed.
 */
class UnalignedIoDuringResyncTest {
    private static final int CHUNK = 64 << 10;
    private static final long MEMBER_BYTES = 16L << 20;
    private static final int THREADS = 4;
    private static final int MAX_LEN = 20_000;
    /** A thread's cell: not a multiple of the block, nor of the chunk. */
    private static final int CELL = 20_011;
    /** Cells per thread where half its requests go. */
    private static final int HOT_CELLS = 6;

    @TempDir
    Path dir;

    @Test
    void unalignedWritesAndReadsFromFourThreadsDuringResync() throws Exception {
        String p = System.getProperty("seed", "");
        long seed = p.isBlank() ? System.nanoTime() : Long.parseLong(p.trim());
        System.out.println("UnalignedIoDuringResyncTest seed=" + seed + " (replay with -Dseed=" + seed + ")");

        List<Path> m = TestArrays.files(dir, 2, MEMBER_BYTES);
        // Not assume-clean: the new array needs its initial resync.
        ArrayCreator.plan(CreateSpec.builder().devices(m).bitmap(BitmapMode.INTERNAL).bitmapChunkBytes(CHUNK)
                .name("unaligned").homehost("h").build()).write();
        long dataOffset = MetadataReader.read(m.get(1)).superblock().dataOffset() * 512;
        long size = MetadataReader.read(m.get(0)).superblock().size() * 512;
        // The second member's data area differs from the first's everywhere: what the resync
        // has not reached yet must never be what a read or a merge sees.
        SplittableRandom junk = new SplittableRandom(seed ^ 0x5eed);
        try (RandomAccessFile f = new RandomAccessFile(m.get(1).toFile(), "rw")) {
            byte[] b = new byte[1 << 20];
            for (long at = 0; at < size; at += b.length) {
                junk.nextBytes(b);
                f.seek(dataOffset + at);
                f.write(b, 0, (int) Math.min(b.length, size - at));
            }
        }

        // Slow enough that the resync is still running while the threads work.
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).minSpeedKiB(1024).maxSpeedKiB(3072)
                .daemonSleepMillis(100).build());
        boolean stopped = false;
        try {
            long until = System.nanoTime() + 5_000_000_000L;
            while (!a.status().syncAction().equals("resync") && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals("resync", a.status().syncAction(), "the initial resync runs");
            // The data area in cells of CELL bytes (not a multiple of a block), dealt to the
            // threads in turn: a thread's region is its cells, and every cell edge is a block two
            // threads write parts of.
            byte[] model = new byte[(int) size];
            a.read(0, ByteBuffer.wrap(model));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int[] duringResync = new int[THREADS];
            SplittableRandom root = new SplittableRandom(seed);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                SplittableRandom r = root.split();
                Thread th = new Thread(() -> {
                    try {
                        work(a, id, model, r, duringResync);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "unaligned-" + t);
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("seed " + seed + ": " + failure.get().getMessage(), failure.get());
            }
            int during = Arrays.stream(duringResync).sum();
            System.out.println("UnalignedIoDuringResyncTest: " + during + " requests while the resync ran");
            assertTrue(during > 1000, "most requests ran during the resync: " + during);
            assertTrue(a.awaitSyncIdle(120_000), "resync finished");
            byte[] back = new byte[(int) size];
            a.read(0, ByteBuffer.wrap(back));
            assertArrayEquals(model, back, "seed " + seed + ": the array after the resync");
            a.stop();
            stopped = true;

            // Both data areas identical, and they hold what the threads acknowledged.
            try (FileChannel c0 = FileChannel.open(m.get(0), StandardOpenOption.READ);
                    FileChannel c1 = FileChannel.open(m.get(1), StandardOpenOption.READ)) {
                long off0 = MetadataReader.read(m.get(0)).superblock().dataOffset() * 512;
                ByteBuffer b0 = ByteBuffer.allocate(1 << 20);
                ByteBuffer b1 = ByteBuffer.allocate(1 << 20);
                for (long at = 0; at < size; at += b0.capacity()) {
                    int n = (int) Math.min(b0.capacity(), size - at);
                    b0.clear().limit(n);
                    b1.clear().limit(n);
                    c0.read(b0, off0 + at);
                    c1.read(b1, dataOffset + at);
                    assertArrayEquals(Arrays.copyOf(b0.array(), n), Arrays.copyOf(b1.array(), n),
                            "seed " + seed + ": members differ in [" + at + ", " + (at + n) + ")");
                }
                ByteBuffer onDisk = ByteBuffer.allocate((int) size);
                c0.read(onDisk, off0);
                assertArrayEquals(model, onDisk.array(), "seed " + seed + ": every acknowledged write on the member");
            }
        } finally {
            if (!stopped) {
                a.abandon();
            }
        }
    }

    /**
     * One thread's random unaligned I/O in its cells (cell {@code k} is thread {@code k % 4}'s),
     * checked against the model. Half the requests go to the first few cells, so neighbours
     * meet in their shared blocks often; the rest anywhere, wherever the resync is.
     */
    private static void work(RaidArray a, int id, byte[] model, SplittableRandom r, int[] duringResync)
            throws Exception {
        int cells = (model.length / CELL - id + THREADS - 1) / THREADS;
        int ops = 0;
        long end = System.nanoTime() + 20_000_000_000L;
        while (ops < 3000 && System.nanoTime() < end) {
            int j = r.nextBoolean() ? r.nextInt(HOT_CELLS) : r.nextInt(cells);
            long cell = (long) (id + THREADS * j) * CELL;
            int cellLen = (int) Math.min(CELL, model.length - cell);
            int off = r.nextInt(cellLen);
            int len = 1 + r.nextInt(Math.min(MAX_LEN, cellLen - off));
            int at = (int) cell + off;
            if (r.nextInt(100) < 60) {
                byte[] data = new byte[len];
                r.nextBytes(data);
                a.write(at, ByteBuffer.wrap(data), r.nextInt(20) == 0);
                System.arraycopy(data, 0, model, at, len);
            } else {
                byte[] back = new byte[len];
                a.read(at, ByteBuffer.wrap(back));
                for (int i = 0; i < len; i++) {
                    if (back[i] != model[at + i]) {
                        throw new AssertionError("thread " + id + ": read of " + len + " at " + at
                                + " differs at byte " + (at + i) + ": " + back[i] + " != " + model[at + i]);
                    }
                }
            }
            if (a.status().syncAction().equals("resync")) {
                duringResync[id]++;
            }
            ops++;
        }
    }
}
