package io.bitmirror.faults.crash;

import io.bitmirror.faults.record.LogEntry;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Chooses crash states for one recording. Crash points are visited in a seeded random order
 * (every seq of the log, plus the instant before each flush completes, where the most writes are
 * volatile, weighted double). At a point with few volatile writes (at most
 * {@value #EXHAUSTIVE_WRITES} over all members) every keep/lose subset is generated: exhaustive.
 * At a larger point each visit draws three seeded states: all volatile writes kept but one, only one
 * kept, and a random mix (each member its own survival rate, some writes torn). The points are
 * visited again and again (new samples) until the caller has enough distinct states.
 */
public final class StateGenerator {
    /** Up to this many volatile writes at a crash point, all 2^n subsets are generated. */
    public static final int EXHAUSTIVE_WRITES = 5;
    /** Extra visits of the crash point just before each flush completes. */
    static final int BEFORE_FLUSH_WEIGHT = 3;
    /** Share of sampled volatile writes that are torn rather than kept or lost. */
    static final double TORN = 0.15;

    private final Recording r;
    private final SplittableRandom random;
    private final List<Long> points = new ArrayList<>();
    private final ArrayDeque<CrashState> queue = new ArrayDeque<>();
    private final boolean[] exhausted;
    private int next;
    private int round;

    public StateGenerator(Recording r, long seed) {
        this.r = r;
        this.random = new SplittableRandom(seed);
        for (long s = 1; s <= r.lastSeq(); s++) {
            points.add(s);
            if (r.entry(s).kind() == LogEntry.Kind.FLUSH && s > 1) {
                // Just before a flush completes the most writes are volatile: visit these more.
                for (int i = 0; i < BEFORE_FLUSH_WEIGHT; i++) {
                    points.add(s - 1);
                }
            }
        }
        Collections.shuffle(points, new Random(random.nextLong()));
        this.exhausted = new boolean[points.size()];
    }

    /** The next candidate state (possibly one seen before: the caller dedupes), or null when done. */
    public CrashState next() {
        while (queue.isEmpty()) {
            if (points.isEmpty()) {
                return null;
            }
            if (next == points.size()) {
                next = 0;
                round++;
                if (round > 1_000) {
                    return null;
                }
            }
            int i = next++;
            if (!exhausted[i]) {
                fill(i, points.get(i));
            }
        }
        return queue.poll();
    }

    private void fill(int index, long k) {
        int members = r.members();
        List<List<LogEntry>> vol = new ArrayList<>();
        int n = 0;
        for (int m = 0; m < members; m++) {
            List<LogEntry> v = r.volatileWrites(m, k);
            vol.add(v);
            n += v.size();
        }
        if (n <= EXHAUSTIVE_WRITES) {
            exhausted[index] = true;
            for (int subset = 0; subset < (1 << n); subset++) {
                queue.add(subsetState(k, vol, subset));
            }
            return;
        }
        // Three shapes per visit: a cache that lost one write (the signature of an ordering bug:
        // a later write survived, an earlier one did not), a cache that kept one write, and a
        // random mix with torn writes.
        queue.add(allButOne(k, vol, random.nextInt(n)));
        queue.add(onlyOne(k, vol, random.nextInt(n)));
        queue.add(sampleState(k, vol));
    }

    private static CrashState allButOne(long k, List<List<LogEntry>> vol, int lost) {
        return pick(k, vol, i -> i != lost);
    }

    private static CrashState onlyOne(long k, List<List<LogEntry>> vol, int kept) {
        return pick(k, vol, i -> i == kept);
    }

    /** Keeps (whole) the volatile writes whose index over all members passes {@code keep}. */
    private static CrashState pick(long k, List<List<LogEntry>> vol, java.util.function.IntPredicate keep) {
        int members = vol.size();
        long[][] kept = new long[members][];
        long[][] masks = new long[members][];
        int i = 0;
        for (int m = 0; m < members; m++) {
            List<Long> ks = new ArrayList<>();
            for (LogEntry e : vol.get(m)) {
                if (keep.test(i++)) {
                    ks.add(e.seq());
                }
            }
            kept[m] = ks.stream().mapToLong(Long::longValue).toArray();
            masks[m] = new long[kept[m].length];
            java.util.Arrays.fill(masks[m], CrashState.WHOLE);
        }
        return new CrashState(k, kept, masks);
    }

    private static CrashState subsetState(long k, List<List<LogEntry>> vol, int subset) {
        int members = vol.size();
        long[][] kept = new long[members][];
        long[][] masks = new long[members][];
        int bit = 0;
        for (int m = 0; m < members; m++) {
            List<Long> ks = new ArrayList<>();
            for (LogEntry e : vol.get(m)) {
                if ((subset & (1 << bit++)) != 0) {
                    ks.add(e.seq());
                }
            }
            kept[m] = ks.stream().mapToLong(Long::longValue).toArray();
            masks[m] = new long[kept[m].length];
            java.util.Arrays.fill(masks[m], CrashState.WHOLE);
        }
        return new CrashState(k, kept, masks);
    }

    private CrashState sampleState(long k, List<List<LogEntry>> vol) {
        int members = vol.size();
        long[][] kept = new long[members][];
        long[][] masks = new long[members][];
        // Per member a survival rate, so that states range from "cache lost" to "cache kept".
        for (int m = 0; m < members; m++) {
            double keep = random.nextDouble();
            List<Long> ks = new ArrayList<>();
            List<Long> ms = new ArrayList<>();
            for (LogEntry e : vol.get(m)) {
                double x = random.nextDouble();
                if (x < TORN && e.length() > 512) {
                    long mask;
                    do {
                        mask = random.nextLong();
                    } while (mask == 0 || mask == CrashState.WHOLE);
                    ks.add(e.seq());
                    ms.add(mask);
                } else if (random.nextDouble() < keep) {
                    ks.add(e.seq());
                    ms.add(CrashState.WHOLE);
                }
            }
            kept[m] = ks.stream().mapToLong(Long::longValue).toArray();
            masks[m] = ms.stream().mapToLong(Long::longValue).toArray();
        }
        return new CrashState(k, kept, masks);
    }
}
