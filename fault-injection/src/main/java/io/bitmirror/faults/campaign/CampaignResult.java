package io.bitmirror.faults.campaign;

import io.bitmirror.faults.crash.Exploration;
import io.bitmirror.faults.crash.Violation;

import java.util.List;

/**
 * What a campaign found.
 *
 * @param seed the campaign's seed
 * @param mutant the mutant, or null for the real engine
 * @param explorations one per workload
 * @param elapsedNanos wall time, recording included
 */
public record CampaignResult(long seed, MutantName mutant, List<Exploration> explorations, long elapsedNanos) {

    /** Distinct crash states checked. */
    public long states() {
        return explorations.stream().mapToLong(Exploration::states).sum();
    }

    /** Violations (each failed check in each state). */
    public long violations() {
        return explorations.stream().mapToLong(Exploration::violations).sum();
    }

    /** Violations of one check ("W1", "L1", ...) over every recording. */
    public long violations(String check) {
        return explorations.stream().mapToLong(e -> e.violations(check)).sum();
    }

    /** The first violation found (in workload order), or null. */
    public Violation firstViolation() {
        for (Exploration e : explorations) {
            if (!e.first().isEmpty()) {
                return e.first().get(0);
            }
        }
        return null;
    }

    public double seconds() {
        return elapsedNanos / 1e9;
    }

    public double statesPerSecond() {
        return states() / Math.max(1e-9, seconds());
    }
}
