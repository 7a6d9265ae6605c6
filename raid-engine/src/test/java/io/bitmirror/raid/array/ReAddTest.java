package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member that missed writes catches up from the bitmap alone (W4), or in full when too old. */
class ReAddTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    private List<Path> create(int n) throws Exception {
        List<Path> m = TestArrays.files(dir, n, 16L << 20);
        ArrayCreator.plan(new CreateSpec(1, n, BitmapMode.INTERNAL, null, CHUNK, "readd", "h", 0, true, false, m,
                Instant.now())).write();
        return m;
    }

    private static void writeChunks(RaidArray a, SplittableRandom r, int[] chunks) throws Exception {
        for (int c : chunks) {
            byte[] data = new byte[8192];
            r.nextBytes(data);
            a.write((long) c * CHUNK + 4096, ByteBuffer.wrap(data), false);
        }
        a.flush();
    }

    @Test
    void reAddedMemberCopiesOnlyTheChunksWrittenWhileItWasOut() throws Exception {
        List<Path> m = create(2);
        SplittableRandom r = new SplittableRandom(3);
        RaidArray a = RaidArray.assemble(AssembleOptions.of(m).withDaemonSleepMillis(20).withSafeModeMillis(50));
        writeChunks(a, r, new int[] {1, 2, 3});
        // Let the daemon clear the bits of the writes made while both were in sync.
        long deadline = System.currentTimeMillis() + 10_000;
        while (a.status().dirtyChunks() != 0 && System.currentTimeMillis() < deadline) {
            a.flush();
            Thread.sleep(20);
        }
        assertEquals(0, a.status().dirtyChunks(), "bits cleared after the members were flushed (W2)");
        a.fail(m.get(1));
        assertTrue(a.status().degraded());
        a.remove(m.get(1));
        int[] missed = {5, 9, 17, 100, 101, 200};
        writeChunks(a, r, missed);
        Thread.sleep(200);
        assertEquals(missed.length, a.status().dirtyChunks(), "no bit is cleared while degraded (W4)");
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
        RaidArray b = RaidArray.assemble(AssembleOptions.of(m).withRun(true));
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
        RaidArray a = RaidArray.assemble(AssembleOptions.of(m).withDaemonSleepMillis(20).withSafeModeMillis(50));
        a.fail(m.get(1));
        a.remove(m.get(1));
        // A new device takes its place and is recovered in full; the array is whole again, so
        // bits are cleared and events_cleared moves past the old member's events.
        a.add(spare);
        assertTrue(a.awaitSyncIdle(30_000));
        assertFalse(a.status().degraded());
        writeChunks(a, r, new int[] {3, 4});
        long deadline = System.currentTimeMillis() + 10_000;
        while (a.status().dirtyChunks() != 0 && System.currentTimeMillis() < deadline) {
            a.flush();
            Thread.sleep(20);
        }
        assertEquals(0, a.status().dirtyChunks());
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
