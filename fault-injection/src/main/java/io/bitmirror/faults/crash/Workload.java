package io.bitmirror.faults.crash;

/**
 * A sequence of array operations to crash in. Runs once per (workload, seed) over recording
 * members; its randomness comes only from {@link WorkloadContext#random()}.
 */
public interface Workload {

    /** Short name for reports and the CLI. */
    String name();

    /** Create the array with --assume-clean (false: all chunks dirty, a full resync at start). */
    default boolean assumeClean() {
        return true;
    }

    /** Create the array with an internal bitmap (false: none, for a workload that grows one). */
    default boolean createWithBitmap() {
        return true;
    }

    /** Resync speed ceiling while recording (KiB/s, 0 = unlimited). */
    default long recordingMaxSpeedKiB() {
        return 0;
    }

    /**
     * Silent corruption to plant on the members after create and before assembly (the recording's
     * base images include it); none by default. Its randomness comes from {@code r} only.
     */
    default java.util.List<History.Planted> plant(Geometry g, java.util.SplittableRandom r) {
        return java.util.List.of();
    }

    void run(WorkloadContext ctx) throws Exception;
}
