package io.bitmirror.tools.bench;

import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.internal.ArrayInternals;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.measure.ThreadAllocation;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One measured run: a fresh two-member array in {@code dir}, N writer threads doing 4 KiB random
 * writes through the in-process API (one slot each, filled once), a warm-up, then the counted
 * interval with allocation measured over the writers and every I/O thread of the array.
 */
final class WriteBench {
    /** Result of one run. */
    record Result(BitmapMode mode, long writes, double seconds, long allocatedBytes) {
        double perSecond() {
            return writes / seconds;
        }

        double bytesPerWrite() {
            return writes == 0 ? 0 : (double) allocatedBytes / writes;
        }
    }

    static final int IO = 4096;

    private WriteBench() {
    }

    static Result run(Path dir, BitmapMode mode, int threads, double warmupSeconds, double seconds, long memberBytes)
            throws Exception {
        Path d = Files.createTempDirectory(dir, "bitmirror-bench-");
        List<Path> members = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Path p = d.resolve("member" + i);
                try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                    f.setLength(memberBytes);
                }
                members.add(p);
            }
            ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmap(mode).name("bench").homehost("bench")
                    .assumeClean(true).force(true).devices(members).build()).write();
            RaidArray array = RaidArray.assemble(AssembleOptions.builder(members).slots(Math.max(threads + 4, 8))
                    .build());
            try {
                return measure(array, mode, threads, warmupSeconds, seconds);
            } finally {
                array.stop();
            }
        } finally {
            for (Path p : members) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(d);
        }
    }

    private static Result measure(RaidArray array, BitmapMode mode, int threads, double warmupSeconds, double seconds)
            throws Exception {
        long blocks = array.sizeBytes() / IO;
        AtomicLong[] counts = new AtomicLong[threads];
        List<Thread> writers = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(threads);
        boolean[] stop = new boolean[1];
        IOException[] failure = new IOException[1];
        for (int t = 0; t < threads; t++) {
            AtomicLong count = new AtomicLong();
            counts[t] = count;
            long seed = 0x9E3779B97F4A7C15L * (t + 1);
            Thread w = new Thread(() -> {
                IoSlot s = array.acquireSlot();
                long x = seed;
                for (int i = 0; i < IO; i++) {
                    s.data().put(i, (byte) (i * 31 + seed));
                }
                started.countDown();
                try {
                    while (!stop[0]) {
                        // xorshift: a random block with no allocation.
                        x ^= x << 13;
                        x ^= x >>> 7;
                        x ^= x << 17;
                        long block = (x >>> 1) % blocks;
                        array.write(s, block * IO, IO, false);
                        count.lazySet(count.get() + 1);
                    }
                } catch (IOException e) {
                    failure[0] = e;
                } finally {
                    array.releaseSlot(s);
                }
            }, "bench-writer-" + t);
            writers.add(w);
        }
        for (Thread w : writers) {
            w.start();
        }
        started.await();
        Thread.sleep((long) (warmupSeconds * 1000));
        List<Thread> path = new ArrayList<>(writers);
        path.addAll(ArrayInternals.ioThreads(array));
        long[] allocBefore = ThreadAllocation.snapshot(path);
        long c0 = sum(counts);
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        long c1 = sum(counts);
        long t1 = System.nanoTime();
        long[] allocAfter = ThreadAllocation.snapshot(path);
        synchronized (stop) {
            stop[0] = true;
        }
        for (Thread w : writers) {
            w.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return new Result(mode, c1 - c0, (t1 - t0) / 1e9, ThreadAllocation.delta(allocBefore, allocAfter));
    }

    private static long sum(AtomicLong[] counts) {
        long s = 0;
        for (AtomicLong c : counts) {
            s += c.get();
        }
        return s;
    }
}
