package io.bitmirror.faults.faulty;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A schedule of faults for one member: an ordered list of rules, the first that matches an
 * operation decides. Seeded, so that a failing run replays.
 *
 * <pre>
 * FaultPlan.seeded(42).on(Op.WRITE).range(dataStart, dataEnd).afterOps(10).times(1).then(Fault.DROP)
 * </pre>
 */
public final class FaultPlan {

    /** Operation kinds a rule can match. */
    public enum Op { READ, WRITE, FLUSH, TRIM, ANY }

    /** One rule; built with {@link FaultPlan#on}. */
    public final class Rule {
        private final Op op;
        private long from = 0;
        private long to = Long.MAX_VALUE;
        private long skip;
        private long times = Long.MAX_VALUE;
        private double probability = 1.0;
        private long delayMillis;
        private Fault fault;
        private long seen;
        private long fired;

        private Rule(Op op) {
            this.op = op;
        }

        /** Only operations that overlap {@code [fromByte, toByte)}. */
        public Rule range(long fromByte, long toByte) {
            this.from = fromByte;
            this.to = toByte;
            return this;
        }

        /** Lets the first {@code n} matching operations through. */
        public Rule afterOps(long n) {
            this.skip = n;
            return this;
        }

        /** Fires at most {@code n} times. */
        public Rule times(long n) {
            this.times = n;
            return this;
        }

        /** Fires with probability {@code p} (seeded). */
        public Rule probability(double p) {
            this.probability = p;
            return this;
        }

        /** Latency for {@link Fault#DELAY}. */
        public Rule delayMillis(long ms) {
            this.delayMillis = ms;
            return this;
        }

        /** Completes the rule and returns the plan for more rules. */
        public FaultPlan then(Fault f) {
            this.fault = f;
            rules.add(this);
            return FaultPlan.this;
        }

        private boolean matches(Op o, long position, long length) {
            boolean kind = op == Op.ANY || op == o;
            boolean overlaps = o == Op.FLUSH || (position < to && position + length > from);
            return kind && overlaps;
        }
    }

    private final List<Rule> rules = new ArrayList<>();
    private final SplittableRandom random;
    private long injected;

    private FaultPlan(long seed) {
        this.random = new SplittableRandom(seed);
    }

    public static FaultPlan seeded(long seed) {
        return new FaultPlan(seed);
    }

    /** A plan that never fires. */
    public static FaultPlan none() {
        return new FaultPlan(0);
    }

    public Rule on(Op op) {
        return new Rule(op);
    }

    /** What to do with this operation: the fault, or null to run it normally. */
    public synchronized Decision decide(Op o, long position, long length) {
        for (Rule r : rules) {
            if (!r.matches(o, position, length)) {
                continue;
            }
            r.seen++;
            if (r.seen <= r.skip || r.fired >= r.times) {
                continue;
            }
            if (r.probability < 1.0 && random.nextDouble() >= r.probability) {
                continue;
            }
            r.fired++;
            injected++;
            return new Decision(r.fault, r.delayMillis, random.nextLong());
        }
        return null;
    }

    /** Faults injected so far. */
    public synchronized long injected() {
        return injected;
    }

    /**
     * A fired rule.
     *
     * @param fault what happens
     * @param delayMillis latency for DELAY
     * @param tearSeed chooses the sectors that land for TORN
     */
    public record Decision(Fault fault, long delayMillis, long tearSeed) {
    }
}
