package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.raid.member.FileMemberDevice;

import java.nio.file.Path;
import java.util.List;

/**
 * How to assemble an array.
 *
 * @param devices the members (any order)
 * @param run start even when members are missing or stale (degraded), as mdadm --run
 * @param opener opens members for I/O
 * @param externalBitmap opens the external bitmap, or null for internal / none
 * @param daemonSleepMillis bitmap daemon period, or -1 for the bitmap's daemon_sleep
 * @param safeModeMillis idle time after which the array is marked clean (md: 200 ms)
 * @param minSpeedKiB resync speed floor under foreground I/O (KiB/s)
 * @param maxSpeedKiB resync speed ceiling (KiB/s; 0 = unlimited)
 * @param autoResync start the background resync/recovery at once
 * @param slots request slots (concurrent I/Os)
 * @param maxIoBytes largest single I/O
 * @param mutant a deliberate bitmap bug for fault-injection tests; {@link Mutant#NONE} unless code
 *     asks (no property or CLI option of an array command can set it)
 * @param parallelMembers one I/O thread per member for writes; false: the writing thread writes
 *     each member in turn (faster on fast devices, see docs/BENCHMARKS.md)
 */
public record AssembleOptions(List<Path> devices, boolean run, MemberOpener opener, BitmapStoreOpener externalBitmap,
        long daemonSleepMillis, long safeModeMillis, long minSpeedKiB, long maxSpeedKiB, boolean autoResync,
        int slots, int maxIoBytes, Mutant mutant, boolean parallelMembers) {

    /** md's defaults: resync between 1,000 and 200,000 KiB/s, safe mode after 200 ms. */
    public static AssembleOptions of(List<Path> devices) {
        return new AssembleOptions(devices, false, FileMemberDevice::open, null, -1, 200, 1_000, 200_000, true, 64,
                1 << 20, Mutant.NONE, false);
    }

    public AssembleOptions withRun(boolean r) {
        return new AssembleOptions(devices, r, opener, externalBitmap, daemonSleepMillis, safeModeMillis, minSpeedKiB,
                maxSpeedKiB, autoResync, slots, maxIoBytes, mutant, parallelMembers);
    }

    public AssembleOptions withOpener(MemberOpener o) {
        return new AssembleOptions(devices, run, o, externalBitmap, daemonSleepMillis, safeModeMillis, minSpeedKiB,
                maxSpeedKiB, autoResync, slots, maxIoBytes, mutant, parallelMembers);
    }

    public AssembleOptions withExternalBitmap(BitmapStoreOpener b) {
        return new AssembleOptions(devices, run, opener, b, daemonSleepMillis, safeModeMillis, minSpeedKiB,
                maxSpeedKiB, autoResync, slots, maxIoBytes, mutant, parallelMembers);
    }

    public AssembleOptions withDaemonSleepMillis(long ms) {
        return new AssembleOptions(devices, run, opener, externalBitmap, ms, safeModeMillis, minSpeedKiB, maxSpeedKiB,
                autoResync, slots, maxIoBytes, mutant, parallelMembers);
    }

    public AssembleOptions withSafeModeMillis(long ms) {
        return new AssembleOptions(devices, run, opener, externalBitmap, daemonSleepMillis, ms, minSpeedKiB,
                maxSpeedKiB, autoResync, slots, maxIoBytes, mutant, parallelMembers);
    }

    public AssembleOptions withSpeed(long minKiB, long maxKiB) {
        return new AssembleOptions(devices, run, opener, externalBitmap, daemonSleepMillis, safeModeMillis, minKiB,
                maxKiB, autoResync, slots, maxIoBytes, mutant, parallelMembers);
    }

    public AssembleOptions withAutoResync(boolean a) {
        return new AssembleOptions(devices, run, opener, externalBitmap, daemonSleepMillis, safeModeMillis, minSpeedKiB,
                maxSpeedKiB, a, slots, maxIoBytes, mutant, parallelMembers);
    }

    public AssembleOptions withParallelMembers(boolean p) {
        return new AssembleOptions(devices, run, opener, externalBitmap, daemonSleepMillis, safeModeMillis, minSpeedKiB,
                maxSpeedKiB, autoResync, slots, maxIoBytes, mutant, p);
    }

    public AssembleOptions withMutant(Mutant m) {
        return new AssembleOptions(devices, run, opener, externalBitmap, daemonSleepMillis, safeModeMillis, minSpeedKiB,
                maxSpeedKiB, autoResync, slots, maxIoBytes, m, parallelMembers);
    }

    public AssembleOptions withSlots(int s) {
        return new AssembleOptions(devices, run, opener, externalBitmap, daemonSleepMillis, safeModeMillis, minSpeedKiB,
                maxSpeedKiB, autoResync, s, maxIoBytes, mutant, parallelMembers);
    }
}
