package io.bitmirror.tools.bench;

import io.bitmirror.raid.create.BitmapMode;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror bench}: 4 KiB random writes through the in-process engine with two file
 * members, with an internal bitmap and without, alternating runs so machine drift hits both.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure 4 KiB random writes through the engine with and without the internal bitmap.")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per run (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--dir", defaultValue = "/dev/shm", description = "Where the member files go (default ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--threads", defaultValue = "4", description = "Writer threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--rounds", defaultValue = "2", description = "Runs of each kind, alternating (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--size", defaultValue = "1G", converter = io.bitmirror.tools.cli.Sizes.class, paramLabel = "SIZE",
            description = "Size of each member (K by default; K/M/G/T suffixes; default ${DEFAULT-VALUE}, sparse).")
    long size;

    @Option(names = "--resync", description = "Measure resync instead: a plain O_DIRECT copy, a full resync and a "
            + "resync of 1%% dirty chunks (members of --size filled with data).")
    boolean resync;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new io.bitmirror.tools.UsageException("--dir " + dir + ": not a directory");
        }
        if (threads < 1 || threads > 60 || seconds <= 0 || rounds < 1) {
            throw new io.bitmirror.tools.UsageException("--threads must be 1..60, --seconds > 0, --rounds >= 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (resync) {
            out.printf(Locale.ROOT, "bench: resync of %d MiB members in %s%n", size >> 20, dir);
            ResyncBench.run(dir, size, out);
            return 0;
        }
        out.printf(Locale.ROOT, "bench: 4 KiB random writes, %d threads, %.1f s per run, %d rounds, members in %s%n",
                threads, seconds, rounds, dir);
        double warmup = Math.max(1.0, seconds / 3);
        long onWrites = 0;
        double onSeconds = 0;
        long onAlloc = 0;
        long offWrites = 0;
        double offSeconds = 0;
        long offAlloc = 0;
        for (int r = 0; r < rounds; r++) {
            WriteBench.Result on = WriteBench.run(dir, BitmapMode.INTERNAL, threads, warmup, seconds, size);
            print(out, "bitmap internal", on);
            WriteBench.Result off = WriteBench.run(dir, BitmapMode.NONE, threads, warmup, seconds, size);
            print(out, "bitmap none", off);
            onWrites += on.writes();
            onSeconds += on.seconds();
            onAlloc += on.allocatedBytes();
            offWrites += off.writes();
            offSeconds += off.seconds();
            offAlloc += off.allocatedBytes();
        }
        double onRate = onWrites / onSeconds;
        double offRate = offWrites / offSeconds;
        out.printf(Locale.ROOT, "bitmap internal: %.0f writes/s%n", onRate);
        out.printf(Locale.ROOT, "bitmap none: %.0f writes/s%n", offRate);
        out.printf(Locale.ROOT, "bitmap on/off ratio %.2f%n", onRate / offRate);
        long allocated = onAlloc + offAlloc;
        long writes = onWrites + offWrites;
        out.printf(Locale.ROOT, "allocated %d bytes/write%n", Math.round((double) allocated / writes));
        out.printf(Locale.ROOT, "(allocated in total: %d bytes over %d writes; bitmap on %d, off %d)%n", allocated,
                writes, onAlloc, offAlloc);
        return 0;
    }

    private static void print(PrintWriter out, String what, WriteBench.Result r) {
        out.printf(Locale.ROOT, "  run %-16s %10.0f writes/s  %.3f bytes/write%n", what, r.perSecond(),
                r.bytesPerWrite());
        out.flush();
    }
}
