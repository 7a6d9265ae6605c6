package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that missed writes catches up from the bitmap alone (W4), or in full when too old.
 * Nothing here flushes the members to make bits clear: the writes are never followed by a client
 * flush, safe mode keeps its default, and the bits are counted on disk (L1: the daemon flushes
 * the members itself).
 */
class ReAddTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    private List<Path> create(int n) throws Exception {
        return TestArrays.cleanMirror(dir, n, 16L << 20, CHUNK, "readd");
    }

    private static void writeChunks(RaidArray a, SplittableRandom r, int[] chunks) throws Exception {
        for (int c : chunks) {
            byte[] data = new byte[8192];
            r.nextBytes(data);
            a.write((long) c * CHUNK + 4096, ByteBuffer.wrap(data), false);
        }
    }

    /**
     * Safe mode (10 ms) well before the daemon's passes (every 200 ms): its member flush then
     * nearly always comes before the pass that finds the written chunks idle, so no flush follows
     * that pass unless the daemon issues one itself (L1). With a daemon_sleep below the safe-mode
     * delay, safe mode's flush would clear the bits by luck of the ordering.
     */
    private static AssembleOptions quickSafeMode(List<Path> m) {
        return AssembleOptions.builder(m).daemonSleepMillis(200).safeModeMillis(10).build();
    }

    /** Dirty bits in the member's bitmap as read from the device, not the array's memory. */
    static long dirtyOnDisk(Path member) throws Exception {
        io.bitmirror.raid.metadata.MemberMetadata md = MetadataReader.read(member);
        return io.bitmirror.bitmap.format.BitmapBits.countDirty(md.bitmap(), 256, md.bitmapSuperblock().chunks());
    }

    /** Waits (10 s at most) for no dirty bit on disk on any of {@code members}; returns what is left. */
    static long awaitCleanOnDisk(List<Path> members) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        long left;
        do {
            left = 0;
            for (Path p : members) {
                left += dirtyOnDisk(p);
            }
            if (left != 0) {
                Thread.sleep(20);
            }
        } while (left != 0 && System.currentTimeMillis() < deadline);
        return left;
    }

    @Test
    void reAddedMemberCopiesOnlyTheChunksWrittenWhileItWasOut() throws Exception {
        List<Path> m = create(2);
        SplittableRandom r = new SplittableRandom(3);
        RaidArray a = RaidArray.assemble(quickSafeMode(m));
        writeChunks(a, r, new int[] {1, 2, 3});
        // The daemon clears the bits of the writes made while both were in sync, on disk, with
        // no client flush (L1).
        assertEquals(0, awaitCleanOnDisk(m), "bits cleared on disk while running");
        a.fail(m.get(1));
        assertTrue(a.status().degraded());
        a.remove(m.get(1));
        int[] missed = {5, 9, 17, 100, 101, 200};
        writeChunks(a, r, missed);
        Thread.sleep(200);
        assertEquals(missed.length, dirtyOnDisk(m.get(0)), "no bit is cleared while degraded (W4)");
        a.reAdd(m.get(1));
        assertTrue(a.awaitSyncIdle(30_000));
        ArrayStatus st = a.status();
        assertEquals(missed.length, st.resyncedChunks(), "only the chunks whose bits were set are copied");
        assertEquals((long) missed.length * CHUNK, st.resyncedBytes());
        assertFalse(st.degraded(), st.state());
        a.stop();
        assertTrue(MetadataReader.read(m.get(0)).superblock().isClean());
        assertEquals(MetadataReader.read(m.get(0)).superblock().events(),
                MetadataReader.read(m.get(1)).superblock().events());
        ArrayCrashTest.assertMembersIdentical(m, MetadataReader.read(m.get(0)).superblock().size() * 512);
        // Assembles cleanly as a whole array again.
        RaidArray b = RaidArray.assemble(AssembleOptions.of(m));
        assertFalse(b.status().degraded());
        b.stop();
    }

    @Test
    void staleMemberAtAssemblyIsRefusedWithoutRunAndCatchesUpAfterReAdd() throws Exception {
        List<Path> m = create(2);
        SplittableRandom r = new SplittableRandom(4);
        RaidArray a = RaidArray.assemble(AssembleOptions.of(m));
        a.fail(m.get(1));
        a.remove(m.get(1));
        writeChunks(a, r, new int[] {7, 8});
        a.stop();
        io.bitmirror.raid.ArrayException e = assertThrows(io.bitmirror.raid.ArrayException.class,
                () -> RaidArray.assemble(AssembleOptions.of(m)));
        assertTrue(e.getMessage().contains("m1.img was failed"), e.getMessage());
        assertTrue(e.getMessage().contains("--run"), e.getMessage());
        RaidArray b = RaidArray.assemble(AssembleOptions.builder(m).run(true).build());
        assertTrue(b.status().degraded());
        b.reAdd(m.get(1));
        assertTrue(b.awaitSyncIdle(30_000));
        assertEquals(2, b.status().resyncedChunks(), "bitmap-based: the two chunks written while it was out");
        b.stop();
        ArrayCrashTest.assertMembersIdentical(m, MetadataReader.read(m.get(0)).superblock().size() * 512);
    }

    @Test
    void memberOlderThanEventsClearedIsRecoveredInFull() throws Exception {
        List<Path> m = create(2);
        Path spare = TestArrays.files(dir.resolve("..").resolve(dir.getFileName()), 3, 16L << 20).get(2);
        SplittableRandom r = new SplittableRandom(5);
        RaidArray a = RaidArray.assemble(quickSafeMode(m));
        a.fail(m.get(1));
        a.remove(m.get(1));
        // A new device takes its place and is recovered in full; the array is whole again, so
        // bits are cleared and events_cleared moves past the old member's events.
        a.add(spare);
        assertTrue(a.awaitSyncIdle(30_000));
        assertFalse(a.status().degraded());
        writeChunks(a, r, new int[] {3, 4});
        assertEquals(0, awaitCleanOnDisk(List.of(m.get(0), spare)), "bits cleared on disk while running");
        a.fail(spare);
        a.remove(spare);
        long before = a.status().resyncedChunks();
        a.reAdd(m.get(1));
        assertTrue(a.awaitSyncIdle(30_000));
        ArrayStatus st = a.status();
        assertEquals(st.bitmapChunks(), st.resyncedChunks() - before, "older than events_cleared: full recovery");
        assertFalse(st.degraded(), st.state());
        a.stop();
        ArrayCrashTest.assertMembersIdentical(m, MetadataReader.read(m.get(0)).superblock().size() * 512);
    }

    /**
     * No {@code detail} snapshot may show every member in sync, or the array not degraded, while
     * it still says "recovery": a user polling for either must find the array idle too.
     */
    @Test
    void statusNeverShowsARecoveryWithEveryMemberInSync() throws Exception {
        List<Path> m = create(2);
        RaidArray a = RaidArray.assemble(AssembleOptions.of(m));
        java.util.concurrent.atomic.AtomicReference<ArrayStatus> torn = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread poller = new Thread(() -> {
            while (!done.get() && torn.get() == null) {
                ArrayStatus st = a.status();
                boolean allInSync = st.members().stream().allMatch(x -> x.state() == MemberState.IN_SYNC);
                // Neither the members nor the state line may say "whole again" mid-recovery.
                if ((allInSync || !st.degraded()) && st.syncAction().equals("recovery")) {
                    torn.set(st);
                }
            }
        });
        poller.start();
        try {
            // Nothing is written while the member is out, so each recovery copies nothing and
            // ends at once: the window between "member in sync" and "idle" is all there is.
            for (int i = 0; i < 200 && torn.get() == null; i++) {
                a.fail(m.get(1));
                a.remove(m.get(1));
                a.reAdd(m.get(1));
                assertTrue(a.awaitSyncIdle(30_000));
            }
        } finally {
            done.set(true);
            poller.join();
            a.stop();
        }
        assertNull(torn.get(), () -> "torn snapshot: " + torn.get());
    }
}
