package io.bitmirror.faults.crash;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.faults.faulty.Fault;
import io.bitmirror.faults.faulty.FaultPlan;
import io.bitmirror.faults.faulty.FaultyDevice;
import io.bitmirror.faults.record.RecordingDevice;
import io.bitmirror.faults.record.WriteLog;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.internal.ArrayInternals;
import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.metadata.MetadataReader;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs a workload once over two freshly created members with recording devices, then drops the
 * array as a crash would. Everything the crash explorer needs comes out as a {@link Recording}.
 */
public final class Recorder {
    /** Member size: small, so that images are cheap to rebuild thousands of times. */
    public static final long MEMBER_BYTES = 3L << 20;
    /** Bitmap chunk: small, so that a small array has many chunks. */
    public static final long CHUNK_BYTES = 64 << 10;
    /** Bitmap daemon period while recording: short, so that bits are cleared within the workload. */
    public static final long DAEMON_SLEEP_MILLIS = 5;
    /**
     * Added latency of every member flush while recording, as a real disk's cache flush has: it
     * lets other I/O complete while a bitmap epoch is being made durable, which is where a broken
     * ordering (W1, W2) becomes visible in the log.
     */
    public static final long FLUSH_LATENCY_MILLIS = 2;
    /** Safe mode delay while recording: short, so that clean/active transitions happen too. */
    public static final long SAFE_MODE_MILLIS = 40;
    /**
     * Idle time at the end of every recording, for the liveness check (L1): md clears an idle
     * chunk within about two daemon_sleep periods; this is far more (100 periods), so that a
     * daemon thread that a loaded machine runs late still makes it, while a daemon that never
     * clears (the L1 mutant), or waits for a flush no one sends, is caught.
     */
    public static final long L1_IDLE_MILLIS = 100 * DAEMON_SLEEP_MILLIS;

    private Recorder() {
    }

    public static Recording record(Workload w, long seed, Mutant mutant, Path dir) throws Exception {
        return record(w, seed, mutant, dir, false);
    }

    /**
     * Records {@code w} once.
     *
     * @param memberThreads write the members from one I/O thread each ({@code --member-threads})
     *     instead of one after the other from the writing thread (the default): both fan-outs are
     *     explored, since they complete writes in different orders
     */
    public static Recording record(Workload w, long seed, Mutant mutant, Path dir, boolean memberThreads)
            throws Exception {
        Files.createDirectories(dir);
        List<Path> members = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path p = dir.resolve("rec-m" + i + ".img");
            Files.deleteIfExists(p);
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(MEMBER_BYTES);
            }
            members.add(p);
        }
        try {
            CreateSpec.Builder spec = CreateSpec.builder().raidDevices(2);
            spec = w.createWithBitmap() ? spec.bitmapChunkBytes(CHUNK_BYTES) : spec.bitmap(BitmapMode.NONE);
            if (w.writeBehind() > 0) {
                spec = spec.writeMostly(1).writeBehind(w.writeBehind());
            }
            ArrayCreator.plan(spec.name("crash")
                    .homehost("faults").assumeClean(w.assumeClean()).devices(members)
                    .now(Instant.ofEpochSecond(1_700_000_000L)).build()).write();
            Geometry g = Geometry.of(MetadataReader.read(members.get(0)));
            History history = new History();
            // Behind the array's back, before it ever runs: part of the base images.
            for (History.Planted pl : w.plant(g, new SplittableRandom(seed ^ 0x5eed5eedL))) {
                try (RandomAccessFile f = new RandomAccessFile(members.get(pl.member()).toFile(), "rw")) {
                    f.seek(g.dataOffset() + pl.offset());
                    f.write(pl.data());
                }
                history.planted(pl);
            }
            List<byte[]> base = new ArrayList<>();
            for (Path p : members) {
                base.add(Files.readAllBytes(p));
            }
            WriteLog log = new WriteLog(2);
            AssembleOptions.Builder b = AssembleOptions.builder(members).run(true).parallelMembers(memberThreads)
                    .daemonSleepMillis(DAEMON_SLEEP_MILLIS).safeModeMillis(SAFE_MODE_MILLIS)
                    .minSpeedKiB(w.recordingMaxSpeedKiB() > 0 ? w.recordingMaxSpeedKiB() : 1_000_000)
                    .maxSpeedKiB(w.recordingMaxSpeedKiB()).changesDir(dir.resolve("rec-changes"))
                    .opener(p -> behind(w, indexOf(members, p), seed, new RecordingDevice(new FaultyDevice(
                            FileMemberDevice.open(p), FaultPlan.seeded(seed).on(FaultPlan.Op.FLUSH)
                            .delayMillis(FLUSH_LATENCY_MILLIS).then(Fault.DELAY)), indexOf(members, p), log)));
            // A mutant comes only through the internal SPI: the crash explorer is a test tool.
            AssembleOptions opts = ArrayInternals.withMutant(b.build(), mutant);
            RaidArray a = RaidArray.assemble(opts);
            try {
                w.run(new WorkloadContext(a, members, log, history, new SplittableRandom(seed), g));
                idleEnd(a, log, history);
            } finally {
                // The crash: whatever was in flight is not in the log (it never completed).
                ArrayInternals.abandon(a);
            }
            history.endDegraded(0, log.currentSeq());
            history.endDegraded(1, log.currentSeq());
            return new Recording(w.name() + (memberThreads ? "+member-threads" : ""), seed, mutant, g, List.copyOf(base),
                    log.snapshot(), history);
        } finally {
            for (Path p : members) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir.resolve("rec-changes").resolve("crash.cbt"));
            Files.deleteIfExists(dir.resolve("rec-changes"));
        }
    }

    /** Member 1 of a write-behind workload lags behind a port of its own; the others as they are. */
    private static io.bitmirror.raid.member.MemberDevice behind(Workload w, int member, long seed,
            io.bitmirror.raid.member.MemberDevice d) {
        return w.writeBehind() > 0 && member == 1
                ? new io.bitmirror.faults.faulty.LaggingPortDevice(d, w.behindLagMillis(), seed ^ 0xbe41dL) : d;
    }

    /**
     * The array goes idle with no client flush: once it is whole and in sync, the daemon alone
     * must bring every bit on disk to zero (checked by {@link LivenessCheck}).
     */
    private static void idleEnd(RaidArray a, WriteLog log, History history) {
        if (!a.awaitSyncIdle(30_000) || a.status().degraded()) {
            return;
        }
        long from = log.currentSeq();
        io.bitmirror.faults.faulty.Sleep.atLeastMillis(L1_IDLE_MILLIS);
        history.idle(new History.Idle(from, L1_IDLE_MILLIS, L1_IDLE_MILLIS / DAEMON_SLEEP_MILLIS));
    }

    private static int indexOf(List<Path> members, Path p) throws IOException {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).equals(p) || Files.isSameFile(members.get(i), p)) {
                return i;
            }
        }
        throw new IOException(p + ": not a recorded member");
    }
}
