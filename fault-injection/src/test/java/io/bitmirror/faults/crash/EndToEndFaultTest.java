package io.bitmirror.faults.crash;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.faults.TestArrays;
import io.bitmirror.faults.faulty.Fault;
import io.bitmirror.faults.faulty.FaultPlan;
import io.bitmirror.faults.faulty.FaultyDevice;
import io.bitmirror.raid.array.ArrayStatus;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.MemberState;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.internal.ArrayInternals;
import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.metadata.MetadataReader;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real arrays on files with a faulty member. */
class EndToEndFaultTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private static AssembleOptions.Builder withFaulty(List<Path> m, FaultPlan planForMember1) {
        return AssembleOptions.builder(m).opener(p -> p.equals(m.get(1))
                ? new FaultyDevice(FileMemberDevice.open(p), planForMember1) : FileMemberDevice.open(p));
    }

    @Test
    void memberWithWriteErrorsIsFailedAndTheArrayGoesOn() throws Exception {
        long seed = io.bitmirror.faults.Seeds.seed(11);
        SplittableRandom r = new SplittableRandom(seed);
        List<Path> m = TestArrays.create(dir);
        long dataOffset = MetadataReader.read(m.get(1)).superblock().dataOffset() * 512;
        // Data writes on member 1 fail from the third one on.
        FaultPlan plan = FaultPlan.seeded(seed).on(FaultPlan.Op.WRITE).range(dataOffset, Long.MAX_VALUE).afterOps(2)
                .then(Fault.ERROR);
        RaidArray a = RaidArray.assemble(withFaulty(m, plan).build());
        byte[][] written = new byte[10][];
        for (int i = 0; i < written.length; i++) {
            written[i] = new byte[BLOCK];
            r.nextBytes(written[i]);
            a.write((long) i * 16 * BLOCK, ByteBuffer.wrap(written[i]), false);
        }
        ArrayStatus st = a.status();
        assertTrue(st.degraded(), "degraded after write errors: " + st.state());
        assertEquals(MemberState.FAULTY, st.members().get(1).state());
        assertEquals(MemberState.IN_SYNC, st.members().get(0).state());
        for (int i = 0; i < written.length; i++) {
            ByteBuffer got = ByteBuffer.allocate(BLOCK);
            a.read((long) i * 16 * BLOCK, got);
            assertArrayEquals(written[i], got.array(), "block " + i + " reads back (seed " + seed + ")");
        }
        a.stop();
        assertTrue(plan.injected() > 0);
    }

    @Test
    void writeDroppedOnOneMemberIsRepairedByResyncBecauseItsChunkWasDirty() throws Exception {
        long seed = io.bitmirror.faults.Seeds.seed(12);
        SplittableRandom r = new SplittableRandom(seed);
        List<Path> m = TestArrays.create(dir);
        long dataOffset = MetadataReader.read(m.get(1)).superblock().dataOffset() * 512;
        // The second data write to member 1 is reported done and never stored (a lying cache).
        FaultPlan plan = FaultPlan.seeded(seed).on(FaultPlan.Op.WRITE).range(dataOffset, Long.MAX_VALUE).afterOps(1)
                .times(1).then(Fault.DROP);
        // No lazy clearing and no safe mode during the test: the crash finds the array active.
        RaidArray a = RaidArray.assemble(withFaulty(m, plan).daemonSleepMillis(60_000).safeModeMillis(60_000).build());
        byte[][] written = new byte[4][];
        for (int i = 0; i < written.length; i++) {
            written[i] = new byte[BLOCK];
            r.nextBytes(written[i]);
            a.write((long) i * 20 * BLOCK, ByteBuffer.wrap(written[i]), false);
        }
        a.flush();
        ArrayInternals.abandon(a);
        assertEquals(1, plan.injected());
        long droppedChunk = (20L * BLOCK) / TestArrays.CHUNK;
        assertFalse(Arrays.equals(TestArrays.dataArea(m.get(0)), TestArrays.dataArea(m.get(1))),
                "the dropped write left the members different");
        assertTrue(TestArrays.bitSet(m.get(0), droppedChunk) && TestArrays.bitSet(m.get(1), droppedChunk),
                "the chunk of the dropped write is dirty on disk");
        assertFalse(MetadataReader.read(m.get(0)).superblock().isClean(), "crashed while active");

        RaidArray b = RaidArray.assemble(AssembleOptions.builder(m).minSpeedKiB(1).maxSpeedKiB(0).build());
        assertTrue(b.awaitSyncIdle(60_000));
        assertTrue(b.status().resyncedChunks() >= 1, "resync copied the dirty chunks");
        ByteBuffer got = ByteBuffer.allocate(BLOCK);
        b.read(20L * BLOCK, got);
        assertArrayEquals(written[1], got.array());
        b.stop();
        assertArrayEquals(TestArrays.dataArea(m.get(0)), TestArrays.dataArea(m.get(1)),
                "members identical after resync (seed " + seed + ")");
    }
}
