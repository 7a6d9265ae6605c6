package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.member.ForwardingMemberDevice;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check and repair plans of the one sync pass, on real files: a check counts the planted
 * blocks exactly and writes nothing (no data, no bit, no counter changed); a repair writes only
 * the differing blocks, and only to the member where they differ, from the first member; both
 * refuse a degraded array and a recovery in progress; a member failing ends a running check.
 */
class ScrubPlansTest {
    private static final int CHUNK = 64 << 10;
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private List<Path> create(boolean bitmap) throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 16L << 20);
        ArrayCreator.plan(CreateSpec.builder().devices(m).bitmap(bitmap ? BitmapMode.INTERNAL : BitmapMode.NONE)
                .bitmapChunkBytes(CHUNK).name("scrub").homehost("h").assumeClean(true).build()).write();
        return m;
    }

    /** Data-area writes per member, by position (superblock and bitmap writes are not counted). */
    static final class CountingMember extends ForwardingMemberDevice {
        final long dataOffset;
        final List<long[]> dataWrites = new CopyOnWriteArrayList<>();

        CountingMember(MemberDevice d, long dataOffset) {
            super(d);
            this.dataOffset = dataOffset;
        }

        @Override
        public void write(long position, ByteBuffer src, boolean fua) throws IOException {
            if (position >= dataOffset) {
                dataWrites.add(new long[] {position - dataOffset, src.remaining()});
            }
            super.write(position, src, fua);
        }
    }

    private static void plant(Path member, long dataOffset, long at, long seed) throws IOException {
        byte[] junk = new byte[BLOCK];
        new SplittableRandom(seed).nextBytes(junk);
        try (RandomAccessFile f = new RandomAccessFile(member.toFile(), "rw")) {
            f.seek(dataOffset + at);
            f.write(junk);
        }
    }

    private static void await(RaidArray a) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (!a.status().syncAction().equals("idle") && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertEquals("idle", a.status().syncAction());
    }

    @Test
    void checkCountsPlantedBlocksAndChangesNothingNotEvenABit() throws Exception {
        List<Path> m = create(true);
        long dataOffset = MetadataReader.read(m.get(0)).superblock().dataOffset() * 512;
        List<CountingMember> members = new ArrayList<>();
        // A daemon that never runs: any bit or counter the check touched would show.
        AssembleOptions o = AssembleOptions.builder(m).daemonSleepMillis(600_000).safeModeMillis(600_000)
                .opener(p -> {
                    CountingMember c = new CountingMember(FileMemberDevice.open(p), dataOffset);
                    members.add(c);
                    return c;
                }).build();
        RaidArray a = RaidArray.assemble(o);
        try {
            // Two chunks dirty in the bitmap (written, never flushed), the rest clean.
            byte[] data = new byte[2 * BLOCK];
            new SplittableRandom(1).nextBytes(data);
            a.write(3L * CHUNK, ByteBuffer.wrap(data), false);
            a.write(9L * CHUNK + BLOCK, ByteBuffer.wrap(data), false);
            // Every slot left with a 4 KiB limit, as short NBD requests leave theirs: the check
            // that takes slots next must compare its whole pieces all the same.
            List<io.bitmirror.raid.io.IoSlot> held = new ArrayList<>();
            for (int i = 0; i < o.slots(); i++) {
                io.bitmirror.raid.io.IoSlot s = a.acquireSlot();
                s.data().position(0).limit(BLOCK);
                held.add(s);
            }
            held.forEach(a::releaseSlot);
            WriteIntentBitmap bm = a.bitmap();
            int[] counters = counters(bm);
            long dirty = bm.dirtyChunks();
            plant(m.get(1), dataOffset, 20L * CHUNK, 5);
            plant(m.get(1), dataOffset, 20L * CHUNK + BLOCK, 6);
            plant(m.get(0), dataOffset, 100L * CHUNK + 7 * BLOCK, 7);
            byte[] m0 = Files.readAllBytes(m.get(0));
            byte[] m1 = Files.readAllBytes(m.get(1));
            int writesBefore = members.get(0).dataWrites.size() + members.get(1).dataWrites.size();

            assertEquals("check started", a.syncAction("check"));
            await(a);
            assertEquals(3 * 8, a.status().mismatchSectors(), "three 4 KiB blocks differ: 24 sectors");
            assertArrayEquals(counters, counters(bm), "check leaves every chunk counter as it was");
            assertEquals(dirty, bm.dirtyChunks(), "check sets or clears no bit");
            assertEquals(writesBefore, members.get(0).dataWrites.size() + members.get(1).dataWrites.size(),
                    "check writes no data");
            a.stop();
            assertArrayEquals(Arrays.copyOfRange(m0, (int) dataOffset, m0.length),
                    Arrays.copyOfRange(Files.readAllBytes(m.get(0)), (int) dataOffset, m0.length));
            assertArrayEquals(Arrays.copyOfRange(m1, (int) dataOffset, m1.length),
                    Arrays.copyOfRange(Files.readAllBytes(m.get(1)), (int) dataOffset, m1.length));
        } finally {
            a.abandon();
        }
    }

    @Test
    void repairRewritesOnlyTheDifferingBlocksFromTheFirstMember() throws Exception {
        for (boolean bitmap : new boolean[] {true, false}) {
            Path sub = Files.createDirectories(dir.resolve(bitmap ? "bitmap" : "none"));
            List<Path> m = TestArrays.files(sub, 2, 16L << 20);
            ArrayCreator.plan(CreateSpec.builder().devices(m).bitmap(bitmap ? BitmapMode.INTERNAL : BitmapMode.NONE)
                    .bitmapChunkBytes(CHUNK).name("scrub").homehost("h").assumeClean(true).build()).write();
            long dataOffset = MetadataReader.read(m.get(0)).superblock().dataOffset() * 512;
            List<CountingMember> members = new ArrayList<>();
            AssembleOptions o = AssembleOptions.builder(m).opener(p -> {
                CountingMember c = new CountingMember(FileMemberDevice.open(p), dataOffset);
                members.add(c);
                return c;
            }).build();
            // Planted before assembly: on m1 a run of two blocks and a lone one; on m0 one block,
            // which the repair copies to m1 (md's rule: the first in-sync member is right).
            plant(m.get(1), dataOffset, 20L * CHUNK, 5);
            plant(m.get(1), dataOffset, 20L * CHUNK + BLOCK, 6);
            plant(m.get(1), dataOffset, 33L * CHUNK + 9 * BLOCK, 7);
            plant(m.get(0), dataOffset, 100L * CHUNK + 7 * BLOCK, 8);
            RaidArray a = RaidArray.assemble(o);
            try {
                long wm0 = members.get(0).dataWrites.size();
                assertEquals("repair started", a.syncAction("repair"));
                await(a);
                assertEquals(4 * 8, a.status().mismatchSectors());
                assertEquals(wm0, members.get(0).dataWrites.size(), "the first member is never written");
                List<long[]> w = members.get(1).dataWrites;
                assertEquals(3, w.size(), "one write per run of differing blocks");
                assertArrayEquals(new long[] {20L * CHUNK, 2 * BLOCK}, w.get(0));
                assertArrayEquals(new long[] {33L * CHUNK + 9 * BLOCK, BLOCK}, w.get(1));
                assertArrayEquals(new long[] {100L * CHUNK + 7 * BLOCK, BLOCK}, w.get(2));
                assertEquals("check started", a.syncAction("check"));
                await(a);
                assertEquals(0, a.status().mismatchSectors(), "after the repair nothing differs");
                a.stop();
                byte[] m0 = Files.readAllBytes(m.get(0));
                byte[] m1 = Files.readAllBytes(m.get(1));
                long end = dataOffset + a.sizeBytes();
                assertArrayEquals(Arrays.copyOfRange(m0, (int) dataOffset, (int) end),
                        Arrays.copyOfRange(m1, (int) dataOffset, (int) end));
            } finally {
                a.abandon();
            }
        }
    }

    @Test
    void checkIsRefusedWhenDegradedOrDuringARecoveryAndAFailedMemberEndsIt() throws Exception {
        List<Path> m = create(true);
        // Slow (1 MiB/s over 16 MiB): the check is still running when the recovery comes.
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).minSpeedKiB(1024).maxSpeedKiB(1024).build());
        try {
            ArrayException unknown = assertThrows(ArrayException.class, () -> a.syncAction("scrub"));
            assertTrue(unknown.getMessage().contains("check, repair or idle"), unknown.getMessage());
            assertEquals("no check or repair running", a.syncAction("idle"));
            assertEquals("check started", a.syncAction("check"));
            Thread.sleep(300);
            assertEquals("check", a.status().syncAction());
            assertTrue(a.status().state().endsWith(", checking"), a.status().state());
            assertTrue(a.awaitSyncIdle(1), "a check is not a resync or recovery: awaitSyncIdle does not wait for it");
            a.fail(m.get(1));
            await(a);
            ArrayException degraded = assertThrows(ArrayException.class, () -> a.syncAction("check"));
            assertTrue(degraded.getMessage().contains("degraded"), degraded.getMessage());
            a.remove(m.get(1));
            // Written while m1 is out: 32 chunks for its recovery, 2 s at 1 MiB/s.
            byte[] data = new byte[32 * CHUNK];
            new SplittableRandom(2).nextBytes(data);
            a.write(0, ByteBuffer.wrap(data), false);
            a.reAdd(m.get(1));
            ArrayException busy = assertThrows(ArrayException.class, () -> a.syncAction("repair"));
            assertTrue(busy.getMessage().contains("recovery"), busy.getMessage());
            assertTrue(a.awaitSyncIdle(60_000));
            assertFalse(a.status().degraded());
            assertEquals("check started", a.syncAction("check"), "in sync again: a check may run");
            assertEquals("check stopped", a.syncAction("idle"));
            await(a);
        } finally {
            a.stop();
        }
    }

    /**
     * W4 through the one pass: a recovery whose member fails again before its first batch is
     * flushed leaves every unit it copied NEEDED, none in RESYNC.
     */
    @Test
    void aRecoveryWhoseMemberFailsLeavesEveryUnitNeeded() throws Exception {
        List<Path> m = create(true);
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).minSpeedKiB(512).maxSpeedKiB(512).daemonSleepMillis(600_000).build());
        try {
            a.fail(m.get(1));
            a.remove(m.get(1));
            byte[] data = new byte[40 * CHUNK];
            new SplittableRandom(3).nextBytes(data);
            a.write(0, ByteBuffer.wrap(data), false);
            a.reAdd(m.get(1));
            long end = System.nanoTime() + 10_000_000_000L;
            while (a.status().syncDoneSectors() < 4 * CHUNK / 512 && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertEquals("recovery", a.status().syncAction());
            a.fail(m.get(1));
            assertTrue(a.awaitSyncIdle(30_000));
            WriteIntentBitmap bm = a.bitmap();
            for (int c = 0; c < 40; c++) {
                int v = bm.counter(c);
                assertEquals(0, v & io.bitmirror.bitmap.engine.ChunkCounters.RESYNC, "chunk " + c + " left in RESYNC");
                assertNotEquals(0, v & io.bitmirror.bitmap.engine.ChunkCounters.NEEDED,
                        "W4: chunk " + c + " stays NEEDED: the member failed again");
            }
        } finally {
            a.stop();
        }
    }

    private static int[] counters(WriteIntentBitmap bm) {
        int[] c = new int[(int) bm.chunks()];
        for (int i = 0; i < c.length; i++) {
            c[i] = bm.counter(i);
        }
        return c;
    }
}
