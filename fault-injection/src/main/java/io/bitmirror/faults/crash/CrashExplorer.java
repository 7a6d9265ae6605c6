package io.bitmirror.faults.crash;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Explores up to {@code budget} distinct crash states of one recording with {@code workers}
 * threads, each with its own {@link Checker} and image directory. Calling {@link #explore} again
 * with a larger budget continues (the states seen and the counts are kept).
 */
public final class CrashExplorer {
    /** Violations kept in full (the rest are counted). */
    static final int KEEP = 10;

    private final Recording recording;
    private final StateGenerator generator;
    private final Set<StateKey> seen = new HashSet<>();
    private final AtomicLong states = new AtomicLong();
    private final AtomicLong violating = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private final List<Violation> first = new ArrayList<>();
    /** Guarded by first. */
    private final java.util.Map<String, Long> byCheck = new java.util.TreeMap<>();
    private long budget;

    public CrashExplorer(Recording recording, long seed) {
        this.recording = recording;
        this.generator = new StateGenerator(recording, seed);
        // L1 is a property of the whole run, not of a crash state: checked once, counted with
        // the safety checks' violations.
        List<Violation> l1 = new java.util.ArrayList<>(LivenessCheck.check(recording));
        // T1 (changed-block tracking) likewise: a property of each completed write, in every
        // crash state from that write on.
        l1.addAll(TrackingCheck.check(recording));
        violations.addAndGet(l1.size());
        first.addAll(l1);
        for (Violation v : l1) {
            byCheck.merge(v.check(), 1L, Long::sum);
        }
    }

    public Exploration explore(long budget, int workers, Path dir) throws Exception {
        this.budget = budget;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Checker checker = new Checker(recording, dir.resolve("w" + w));
            Thread t = new Thread(() -> {
                try {
                    work(checker);
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            }, "crash-explorer-" + w);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!errors.isEmpty()) {
            Throwable e = errors.get(0);
            throw new IOException("crash explorer: " + e, e);
        }
        synchronized (first) {
            return new Exploration(recording.workload(), states.get(), violating.get(), violations.get(),
                    List.copyOf(first), recording.log().size(), java.util.Map.copyOf(byCheck),
                    recording.history().idle() != null);
        }
    }

    /** The next distinct state, or null when the budget is spent or the space exhausted. */
    private synchronized CrashState nextDistinct() {
        if (seen.size() >= budget) {
            return null;
        }
        // Many candidates repeat once small crash points are exhausted; give up after a long dry run.
        for (int tries = 0; tries < 200_000; tries++) {
            CrashState s = generator.next();
            if (s == null) {
                return null;
            }
            if (seen.add(StateKey.of(recording, s))) {
                return s;
            }
        }
        return null;
    }

    private void work(Checker checker) throws IOException {
        for (CrashState s = nextDistinct(); s != null; s = nextDistinct()) {
            List<Violation> v = checker.check(s);
            states.incrementAndGet();
            if (!v.isEmpty()) {
                violating.incrementAndGet();
                violations.addAndGet(v.size());
                synchronized (first) {
                    for (Violation x : v) {
                        byCheck.merge(x.check(), 1L, Long::sum);
                        if (first.size() < KEEP) {
                            first.add(x);
                        }
                    }
                }
            }
        }
    }
}
