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

    /**
     * md's write-behind limit for the recording (0: none). Above 0, member 1 is created
     * write-mostly and recorded behind a port whose writes land late ({@link #behindLagMillis()}).
     */
    default int writeBehind() {
        return 0;
    }

    /** Member 1's longest lag when {@link #writeBehind()} is on. */
    default long behindLagMillis() {
        return 0;
    }

    void run(WorkloadContext ctx) throws Exception;
}
