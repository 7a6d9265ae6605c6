package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.internal.ArrayInternals;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * md's event margin: a member one event behind the freshest (a crash between the members'
 * superblock writes) assembles without {@code --run} and catches up; it is never simply taken
 * as in sync, because one event behind can also be a member that missed a degraded run.
 */
class EventMarginTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    private List<Path> create() throws Exception {
        return TestArrays.cleanMirror(dir, 2, 16L << 20, CHUNK, "margin");
    }

    /** Assembles, writes a block and stops, twice (each bumps events for active, then clean). */
    private static void runTwice(List<Path> m) throws Exception {
        for (int i = 0; i < 2; i++) {
            RaidArray a = RaidArray.assemble(AssembleOptions.of(m));
            a.write(0, ByteBuffer.wrap(new byte[4096]), false);
            a.stop();
        }
        assertTrue(events(m.get(0)) > 2, "events " + events(m.get(0)));
    }

    private static long events(Path p) throws Exception {
        return MetadataReader.read(p).superblock().events();
    }

    private static long size(Path p) throws Exception {
        return MetadataReader.read(p).superblock().size() * 512;
    }

    /**
     * The stop's last superblock write ("clean") reached m0, not m1: m1 still says the events
     * before it. Both bitmaps carry the new events (written first, W3), as after a real cut.
     */
    @Test
    void memberOneEventBehindJoinsWithoutRunAndCatchesUp() throws Exception {
        List<Path> m = create();
        RaidArray a = RaidArray.assemble(AssembleOptions.of(m));
        SplittableRandom r = new SplittableRandom(11);
        for (int c : new int[] {3, 4, 60}) {
            byte[] data = new byte[8192];
            r.nextBytes(data);
            a.write((long) c * CHUNK, ByteBuffer.wrap(data), false);
        }
        a.stop();
        long e = events(m.get(0));
        AssembleRefusalTest.editSuperblock(m.get(1), sb -> sb.events(e - 1).resyncOffset(0));

        RaidArray b = RaidArray.assemble(AssembleOptions.of(m));
        assertTrue(b.awaitSyncIdle(30_000));
        ArrayStatus st = b.status();
        assertFalse(st.degraded(), st.state());
        assertTrue(st.resyncedChunks() <= 3, "caught up from the bitmap, not in full: " + st.resyncedChunks());
        b.stop();
        assertEquals(events(m.get(0)), events(m.get(1)), "both superblocks written again");
        assertTrue(MetadataReader.read(m.get(1)).superblock().isClean());
        ArrayCrashTest.assertMembersIdentical(m, size(m.get(0)));
    }

    /**
     * m0 is left out; m1 runs alone (started with --run), takes writes, and the power fails: its
     * superblock is one event ahead of m0's, and m0 still holds its active role. Taking m0 as in
     * sync would let the resync copy m0's old chunks (slot 0 is the resync's source) over the
     * writes of the degraded run; caught up, m0 receives them instead.
     */
    @Test
    void memberThatMissedADegradedRunIsCaughtUpNotTrusted() throws Exception {
        List<Path> m = create();
        runTwice(m);
        RaidArray alone = RaidArray.assemble(AssembleOptions.builder(List.of(m.get(1))).run(true).build());
        byte[] data = new byte[2 * CHUNK];
        new SplittableRandom(12).nextBytes(data);
        alone.write(7L * CHUNK, ByteBuffer.wrap(data), true);
        ArrayInternals.abandon(alone);
        assertEquals(events(m.get(0)) + 1, events(m.get(1)), "the case under test: one event apart");

        RaidArray b = RaidArray.assemble(AssembleOptions.of(m));
        assertTrue(b.awaitSyncIdle(30_000));
        assertFalse(b.status().degraded(), b.status().state());
        assertEquals(2, b.status().resyncedChunks(), "from the bitmap: the two chunks of the degraded run, once");
        ByteBuffer got = ByteBuffer.allocate(data.length);
        b.read(7L * CHUNK, got);
        assertArrayEquals(data, got.array(), "the degraded run's write reads back");
        b.stop();
        ArrayCrashTest.assertMembersIdentical(m, size(m.get(0)));
    }

    /** A mirror that ran twice, then m1's superblock edited, given the array's events. */
    private List<Path> ranThenEditMember1(BiConsumer<Superblock, Long> edit) throws Exception {
        List<Path> m = create();
        runTwice(m);
        long e = events(m.get(0));
        AssembleRefusalTest.editSuperblock(m.get(1), sb -> edit.accept(sb, e));
        return m;
    }

    @Test
    void twoEventsBehindIsStillStale() throws Exception {
        List<Path> m = ranThenEditMember1((sb, e) -> sb.events(e - 2));
        ArrayException x = assertThrows(ArrayException.class, () -> RaidArray.assemble(AssembleOptions.of(m)));
        assertTrue(x.getMessage().contains("m1.img is stale"), x.getMessage());
        assertTrue(x.getMessage().contains("--run"), x.getMessage());
    }

    /** A superblock that records a recovery in progress was never a whole copy: stale. */
    @Test
    void oneBehindWithARecoveryInProgressIsStale() throws Exception {
        List<Path> m = ranThenEditMember1((sb, e) -> sb.events(e - 1)
                .featureMap(sb.featureMap() | FeatureMap.RECOVERY_OFFSET).recoveryOffset(64));
        ArrayException x = assertThrows(ArrayException.class, () -> RaidArray.assemble(AssembleOptions.of(m)));
        assertTrue(x.getMessage().contains("m1.img is stale"), x.getMessage());
    }

    /** Events 0 is a joining member's superblock (never in sync), even when the array is at 1. */
    @Test
    void eventsZeroIsNeverWithinTheMargin() throws Exception {
        List<Path> m = create();
        AssembleRefusalTest.editSuperblock(m.get(0), sb -> sb.events(1));
        ArrayException x = assertThrows(ArrayException.class,
                () -> AssemblyPlan.of(m, false));
        assertTrue(x.getMessage().contains("m1.img is stale (events 0, array 1)"), x.getMessage());
    }

    /** Read-only writes nothing, so the member cannot catch up: left out, untouched. */
    @Test
    void readOnlyLeavesTheMemberOut() throws Exception {
        List<Path> m = ranThenEditMember1((sb, e) -> sb.events(e - 1));
        byte[] before = Files.readAllBytes(m.get(1));
        RaidArray b = RaidArray.assemble(AssembleOptions.builder(m).readOnly(true).build());
        ArrayStatus st = b.status();
        assertTrue(st.degraded(), st.state());
        b.stop();
        assertTrue(Arrays.equals(before, Files.readAllBytes(m.get(1))), "nothing written to the member left out");
    }
}
