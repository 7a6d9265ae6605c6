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
 */
public record Exploration(String workload, long states, long violating, long violations, List<Violation> first,
        int logEntries) {
}
