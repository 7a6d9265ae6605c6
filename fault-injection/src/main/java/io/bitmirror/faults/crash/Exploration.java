package io.bitmirror.faults.crash;

import java.util.List;

/**
 * What exploring one recording found.
 *
 * @param workload the workload's name
 * @param states distinct crash states checked
 * @param violating states with at least one violation
 * @param violations all violations (every check that failed in every state)
 * @param first the first few violations, in the order found
 * @param logEntries size of the recorded log
 * @param byCheck violations per check (W1, W2, W4, C1, IDENTICAL, ASSEMBLE, L1)
 * @param livenessChecked the run ended idle, whole and in sync, so L1 was checked on it
 */
public record Exploration(String workload, long states, long violating, long violations, List<Violation> first,
        int logEntries, java.util.Map<String, Long> byCheck, boolean livenessChecked) {

    /** Violations of {@code check} (0 when none). */
    public long violations(String check) {
        return byCheck.getOrDefault(check, 0L);
    }
}
