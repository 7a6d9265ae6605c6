package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.internal.ArrayInternals;
import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code assemble --readonly} (md's read-only state): reads work, every request that would
 * write is refused with one line, and the members are byte for byte what they were (SHA-256 of
 * each whole file) after assembly, reads, the refusals and stop, also for an array that was not
 * stopped cleanly (which stays so: resync=PENDING, and the next read-write assembly resyncs).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReadOnlyAssembleTest {
    @TempDir
    Path dir;

    private static final long DATA_AT = 3L << 16;

    /** A 16 MiB mirror with an internal bitmap, some data written and (optionally) stopped cleanly. */
    private List<Path> array(boolean clean, byte[] data) throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 16L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(64 << 10).name("ro").homehost("h")
                .assumeClean(true).devices(m).build()).write();
        RaidArray rw = RaidArray.assemble(AssembleOptions.builder(m).build());
        rw.write(DATA_AT, ByteBuffer.wrap(data), true);
        if (clean) {
            rw.stop();
            assertTrue(MetadataReader.read(m.get(0)).superblock().isClean());
        } else {
            // A crash while the superblocks say active: the next assembly must resync.
            ArrayInternals.abandon(rw);
            assertFalse(MetadataReader.read(m.get(0)).superblock().isClean());
        }
        return m;
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] b = new byte[1 << 20];
            for (int n; (n = in.read(b)) > 0;) {
                md.update(b, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static List<String> hashes(List<Path> m) throws Exception {
        List<String> h = new ArrayList<>();
        for (Path p : m) {
            h.add(sha256(p));
        }
        return h;
    }

    @Test
    void readOnlyArrayReadsAndRefusesEveryWriteAndLeavesTheMembersByteIdentical() throws Exception {
        byte[] data = new byte[3 * 4096 + 100];
        new SplittableRandom(5).nextBytes(data);
        List<Path> m = array(true, data);
        List<String> before = hashes(m);
        long events = MetadataReader.read(m.get(0)).superblock().events();

        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).readOnly(true).safeModeMillis(10).build());
        assertTrue(a.readOnly());
        ArrayStatus st = a.status();
        assertTrue(st.readOnly() && st.state().equals("clean, read-only"), st.state());
        assertEquals(events, st.events(), "no events bump at assembly");
        ByteBuffer back = ByteBuffer.allocate(data.length);
        a.read(DATA_AT, back);
        assertArrayEquals(data, back.array());

        ArrayException w = assertThrows(ArrayException.class,
                () -> a.write(DATA_AT, ByteBuffer.wrap(new byte[4096]), false));
        assertEquals("write at " + DATA_AT + " refused: array h:ro is read-only", w.getMessage());
        // Unaligned, empty, with a slot, and trims: all refused before anything is touched.
        assertThrows(ArrayException.class, () -> a.write(7, ByteBuffer.wrap(new byte[3]), true));
        assertThrows(ArrayException.class, () -> a.write(0, ByteBuffer.allocate(0), false));
        assertThrows(ArrayException.class, () -> a.trim(0, 4096));
        var slot = a.acquireSlot();
        try {
            assertThrows(ArrayException.class, () -> a.write(slot, 0, 4096, false));
            assertThrows(ArrayException.class, () -> a.trim(slot, 0, 4096, true));
            a.flush(slot);
        } finally {
            a.releaseSlot(slot);
        }
        a.flush();
        assertTrue(assertThrows(ArrayException.class, () -> a.syncAction("check")).getMessage()
                .endsWith("is read-only"));
        assertThrows(ArrayException.class, () -> a.syncAction("repair"));
        assertThrows(ArrayException.class, () -> a.add(dir.resolve("new.img")));
        assertThrows(ArrayException.class, () -> a.reAdd(m.get(1)));
        // A member of a read-only array is opened O_RDONLY with a shared lock: a read-write
        // open (another assembly, zero-superblock) is refused.
        IOException busy = assertThrows(IOException.class, () -> FileMemberDevice.open(m.get(0)));
        assertTrue(busy.getMessage().contains("in use"), busy.getMessage());
        // Let the housekeeper and the bitmap have their chances to write (safe mode 10 ms).
        Thread.sleep(300);
        assertEquals(before, hashes(m), "a member changed while the read-only array ran");

        // md allows --fail on a read-only array, in memory only.
        a.fail(m.get(1));
        assertTrue(a.status().degraded());
        a.remove(m.get(1));
        Thread.sleep(100);
        assertEquals(events, a.status().events());
        a.stop();
        assertEquals(before, hashes(m), "a member changed at stop of the read-only array");
        assertTrue(MetadataReader.read(m.get(1)).superblock().isClean());

        // The failure lived in memory only: both members assemble read-write as before.
        RaidArray rw = RaidArray.assemble(AssembleOptions.of(m));
        assertFalse(rw.status().degraded(), rw.status().state());
        ByteBuffer again = ByteBuffer.allocate(data.length);
        rw.read(DATA_AT, again);
        assertArrayEquals(data, again.array());
        rw.stop();
    }

    @Test
    void notStoppedCleanlyStaysSoReadOnlyWithResyncPending() throws Exception {
        byte[] data = new byte[8192];
        new SplittableRandom(6).nextBytes(data);
        List<Path> m = array(false, data);
        List<String> before = hashes(m);

        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).readOnly(true).build());
        ArrayStatus st = a.status();
        assertEquals("active, read-only, resync=PENDING", st.state());
        assertTrue(st.resyncPending());
        assertEquals("idle", st.syncAction(), "no resync runs");
        assertTrue(a.awaitSyncIdle(1_000));
        ByteBuffer back = ByteBuffer.allocate(data.length);
        a.read(DATA_AT, back);
        assertArrayEquals(data, back.array());
        Thread.sleep(300);
        assertEquals(0, a.status().resyncedChunks());
        a.stop();
        assertEquals(before, hashes(m), "the read-only array wrote to a member");
        assertFalse(MetadataReader.read(m.get(0)).superblock().isClean(), "still not clean");

        // The resync held back runs at the next read-write assembly.
        RaidArray rw = RaidArray.assemble(AssembleOptions.of(m));
        assertTrue(rw.awaitSyncIdle(60_000));
        assertTrue(rw.status().resyncedChunks() > 0, rw.status().toString());
        rw.stop();
    }
}
