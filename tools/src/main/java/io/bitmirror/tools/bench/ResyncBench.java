package io.bitmirror.tools.bench;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.superblock.Superblock;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Resync speed in one run: a plain O_DIRECT copy of the data area (1 MiB pieces, the same
 * piece size resync uses) as the yardstick; a full resync; and a resync with 1% of the chunks
 * dirty. No speed limit, members in {@code dir}.
 */
final class ResyncBench {
    private ResyncBench() {
    }

    static void run(Path dir, long memberBytes, PrintWriter out) throws Exception {
        Path d = Files.createTempDirectory(dir, "bitmirror-resync-");
        Path a = d.resolve("member0");
        Path b = d.resolve("member1");
        try {
            int chunk = 1 << 20;
            // Members full of random data on one side: every copy moves real bytes.
            fill(a, memberBytes, 1);
            fill(b, memberBytes, 2);
            List<Path> m = List.of(a, b);
            ArrayCreator.Plan plan = ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(chunk)
                    .name("resync").homehost("bench").assumeClean(true).force(true).devices(m).build());
            plan.write();
            long dataOffset = plan.layouts().get(0).dataOffset() * 512;
            long bytes = plan.sizeSectors() * 512;
            long chunks = (bytes + chunk - 1) / chunk;

            // Twice, the faster counts: the yardstick gets the warm caches too.
            double copy = Math.min(plainCopy(a, b, dataOffset, bytes), plainCopy(a, b, dataOffset, bytes));
            out.printf(Locale.ROOT, "plain O_DIRECT copy: %d MiB in %.3f s = %.0f MiB/s (best of 2)%n", bytes >> 20,
                    copy, (bytes >> 20) / copy);

            // Each resync twice as well, the faster counts: the same rule as the yardstick.
            markDirty(m, chunks, chunks, 7);
            double full = timeResync(m);
            markDirty(m, chunks, chunks, 7);
            full = Math.min(full, timeResync(m));
            out.printf(Locale.ROOT, "full resync (%d of %d chunks): %.3f s = %.0f MiB/s, %.2f of the plain copy (best of 2)%n",
                    chunks, chunks, full, (bytes >> 20) / full, copy / full);

            long few = Math.max(1, chunks / 100);
            markDirty(m, chunks, few, 8);
            double part = timeResync(m);
            markDirty(m, chunks, few, 8);
            part = Math.min(part, timeResync(m));
            out.printf(Locale.ROOT, "resync with 1%% dirty (%d of %d chunks): %.3f s = %.1f%% of the full resync (best of 2)%n", few,
                    chunks, part, 100.0 * part / full);
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
            Files.deleteIfExists(d);
        }
    }

    private static void fill(Path p, long size, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] buf = new byte[1 << 20];
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
            for (long at = 0; at < size; at += buf.length) {
                r.nextBytes(buf);
                f.write(buf, 0, (int) Math.min(buf.length, size - at));
            }
        }
    }

    /** The yardstick: read 1 MiB from one file, write it to the other, both O_DIRECT, then fsync. */
    private static double plainCopy(Path from, Path to, long offset, long bytes) throws Exception {
        ByteBuffer buf = DirectIo.allocate(1 << 20);
        try (FileChannel in = DirectIo.openRead(from); FileChannel out = DirectIo.openReadWrite(to, false)) {
            long t0 = System.nanoTime();
            for (long at = 0; at < bytes; at += buf.capacity()) {
                buf.clear().limit((int) Math.min(buf.capacity(), bytes - at));
                DirectIo.readFully(in, buf, offset + at);
                buf.flip();
                DirectIo.writeFully(out, buf, offset + at);
            }
            out.force(false);
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** Sets {@code n} random bits (of {@code chunks}) in both members' bitmaps and marks them unclean. */
    private static void markDirty(List<Path> members, long chunks, long n, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        ByteBuffer bits = ByteBuffer.allocate((int) ((chunks + 7) / 8));
        long set = 0;
        while (set < n) {
            long c = n == chunks ? set : r.nextLong(chunks);
            if (!BitmapBits.test(bits, 0, c)) {
                BitmapBits.set(bits, 0, c);
                set++;
            }
        }
        for (Path p : members) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer sbBlock = ByteBuffer.allocate(4096);
                ch.read(sbBlock, 4096);
                Superblock sb = new Superblock().wrap(sbBlock, 0);
                long bitmapAt = (sb.superOffset() + sb.bitmapOffset()) * 512 + 256;
                bits.clear();
                ch.write(bits, bitmapAt);
                sb.resyncOffset(0).updateChecksum();
                sbBlock.clear();
                ch.write(sbBlock, 4096);
                ch.force(true);
            }
        }
    }

    /** Time from the start of the resync to its end (assembly itself not counted). */
    private static double timeResync(List<Path> m) throws Exception {
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).minSpeedKiB(0).maxSpeedKiB(0).autoResync(false)
                .build());
        try {
            long t0 = System.nanoTime();
            a.startResync();
            while (!a.awaitSyncIdle(0)) {
                Thread.onSpinWait();
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            a.stop();
        }
    }
}
