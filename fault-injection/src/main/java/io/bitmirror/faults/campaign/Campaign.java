package io.bitmirror.faults.campaign;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.faults.crash.CrashExplorer;
import io.bitmirror.faults.crash.Exploration;
import io.bitmirror.faults.crash.Recorder;
import io.bitmirror.faults.crash.Recording;
import io.bitmirror.faults.crash.Workload;
import io.bitmirror.faults.crash.Workloads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A crash campaign: each workload is recorded twice (seeded; members written in turn by the
 * writing thread, and by one I/O thread each), then the state budget is shared out among the
 * recordings and explored. Member images live in a scratch directory, on tmpfs when
 * there is one (/dev/shm), removed at the end.
 */
public final class Campaign {
    private final long states;
    private final long seed;
    private final MutantName mutant;
    private final List<Workload> workloads;
    private final int workers;
    private Consumer<String> progress = s -> { };

    public Campaign(long states, long seed, MutantName mutant) {
        this(states, seed, mutant, Workloads.standard(), Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    public Campaign(long states, long seed, MutantName mutant, List<Workload> workloads, int workers) {
        this.states = states;
        this.seed = seed;
        this.mutant = mutant;
        this.workloads = workloads;
        this.workers = workers;
    }

    /** Where progress lines go (one per workload). */
    public Campaign progress(Consumer<String> p) {
        this.progress = p;
        return this;
    }

    public CampaignResult run() throws Exception {
        long start = System.nanoTime();
        Path dir = scratch();
        try {
            List<Exploration> out = new ArrayList<>();
            List<CrashExplorer> explorers = new ArrayList<>();
            long left = states;
            // Every workload twice: members written one after the other by the writing thread
            // (the default) and by one I/O thread each (--member-threads); they complete writes
            // in different orders, and a bug may show in only one.
            int recordings = 2 * workloads.size();
            for (int i = 0; i < recordings; i++) {
                Workload w = workloads.get(i / 2);
                boolean threads = (i & 1) == 1;
                long share = left / (recordings - i);
                Recording r = Recorder.record(w, seed, mutant == null ? Mutant.NONE : mutant.mutant(),
                        dir.resolve("rec-" + i), threads);
                CrashExplorer x = new CrashExplorer(r, seed);
                Exploration e = x.explore(share, workers, dir.resolve("x-" + i));
                left -= e.states();
                progress.accept(String.format("%s: %d log entries, %d states, %d violations", r.workload(),
                        e.logEntries(), e.states(), e.violations()));
                explorers.add(x);
                out.add(e);
            }
            // A workload whose state space is smaller than its share (few volatile writes per crash
            // point: all subsets enumerated) leaves the rest to the others.
            for (int i = 0; i < explorers.size() && left > 0; i++) {
                Exploration before = out.get(i);
                Exploration e = explorers.get(i).explore(before.states() + left, workers, dir.resolve("x-" + i));
                left -= e.states() - before.states();
                out.set(i, e);
                if (e.states() > before.states()) {
                    progress.accept(String.format("%s: %d more states, %d violations in all", e.workload(),
                            e.states() - before.states(), e.violations()));
                }
            }
            return new CampaignResult(seed, mutant, out, System.nanoTime() - start);
        } finally {
            delete(dir);
        }
    }

    private static Path scratch() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            return Files.createTempDirectory(shm, "bitmirror-faults-");
        }
        return Files.createTempDirectory("bitmirror-faults-");
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
