package io.bitmirror.faults.crash;

/**
 * A broken invariant in one crash state.
 *
 * @param check W1, W4, C1, IDENTICAL, ASSEMBLE, or L1 (liveness, once per recording)
 * @param workload the workload's name
 * @param seed the workload's seed (replay: same workload, same seed)
 * @param state the crash state
 * @param detail what was wrong, one line
 */
public record Violation(String check, String workload, long seed, CrashState state, String detail) {

    /** One line for reports and for replay. */
    public String describe() {
        return check + " in " + workload + " (seed " + seed + ") at " + state.describe() + ": " + detail;
    }
}
