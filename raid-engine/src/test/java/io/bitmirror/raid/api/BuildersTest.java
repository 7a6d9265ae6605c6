package io.bitmirror.raid.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.member.CacheMode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The builders: md's defaults, named setters, validation in build(), immutable results. */
class BuildersTest {
    private static final Path A = Path.of("/nonexistent/a");
    private static final Path B = Path.of("/nonexistent/b");

    @Test
    void assembleDefaultsAreMds() {
        AssembleOptions o = AssembleOptions.builder(A, B).build();
        assertEquals(List.of(A, B), o.devices());
        assertFalse(o.run());
        assertNull(o.externalBitmap());
        assertEquals(-1, o.daemonSleepMillis(), "the bitmap's own daemon_sleep");
        assertEquals(200, o.safeModeMillis(), "md's safe_mode_delay");
        assertEquals(1_000, o.minSpeedKiB(), "md's speed_limit_min");
        assertEquals(200_000, o.maxSpeedKiB(), "md's speed_limit_max");
        assertTrue(o.autoResync());
        assertEquals(64, o.slots());
        assertEquals(1 << 20, o.maxIoBytes());
        assertFalse(o.parallelMembers());
        assertEquals(CacheMode.NONE, o.cache(), "O_DIRECT unless asked");
        assertEquals(CacheMode.WRITEBACK, o.toBuilder().cache(CacheMode.WRITEBACK).build().cache());
        assertThrows(NullPointerException.class, () -> AssembleOptions.builder(A, B).cache(null));
        AssembleOptions of = AssembleOptions.of(List.of(A, B));
        assertEquals(o.maxSpeedKiB(), of.maxSpeedKiB());
        assertEquals(o.safeModeMillis(), of.safeModeMillis());
    }

    @Test
    void assembleSettersAndCopies() {
        List<Path> devs = new ArrayList<>(List.of(A, B));
        AssembleOptions o = AssembleOptions.builder(devs).run(true).minSpeedKiB(5).maxSpeedKiB(0).slots(8)
                .maxIoBytes(64 << 10).safeModeMillis(0).daemonSleepMillis(10).autoResync(false).parallelMembers(true)
                .build();
        devs.clear();
        assertEquals(List.of(A, B), o.devices(), "the builder copies the device list");
        assertThrows(UnsupportedOperationException.class, () -> o.devices().add(A));
        assertTrue(o.run());
        assertEquals(5, o.minSpeedKiB());
        assertEquals(0, o.maxSpeedKiB());
        assertEquals(8, o.slots());
        assertEquals(64 << 10, o.maxIoBytes());
        assertEquals(0, o.safeModeMillis());
        assertEquals(10, o.daemonSleepMillis());
        assertFalse(o.autoResync());
        assertTrue(o.parallelMembers());
        AssembleOptions p = o.toBuilder().run(false).build();
        assertFalse(p.run());
        assertTrue(o.run(), "toBuilder does not change the original");
        assertEquals(8, p.slots());
    }

    @Test
    void assembleBuildNamesTheBadField() {
        assertMessage("slots 0", () -> AssembleOptions.builder(A, B).slots(0).build());
        assertMessage("maxIoBytes 1000", () -> AssembleOptions.builder(A, B).maxIoBytes(1000).build());
        assertMessage("minSpeedKiB -1", () -> AssembleOptions.builder(A, B).minSpeedKiB(-1).build());
        assertMessage("maxSpeedKiB -1", () -> AssembleOptions.builder(A, B).maxSpeedKiB(-1).build());
        assertMessage("safeModeMillis -5", () -> AssembleOptions.builder(A, B).safeModeMillis(-5).build());
        assertMessage("daemonSleepMillis -2", () -> AssembleOptions.builder(A, B).daemonSleepMillis(-2).build());
        assertThrows(NullPointerException.class, () -> AssembleOptions.builder(A, null));
        assertThrows(NullPointerException.class, () -> AssembleOptions.builder(A).opener(null));
    }

    @Test
    void createDefaultsAndSetters() {
        Instant t = Instant.ofEpochSecond(1_700_000_000L);
        CreateSpec s = CreateSpec.builder().devices(A, B).build();
        assertEquals(1, s.level());
        assertEquals(2, s.raidDevices(), "raid-devices defaults to the number of devices");
        assertEquals(BitmapMode.INTERNAL, s.bitmap());
        assertNull(s.bitmapFile());
        assertEquals(0, s.bitmapChunkBytes());
        assertEquals("bitmirror", s.name());
        assertNull(s.homehost());
        assertEquals(0, s.sizeSectors());
        assertFalse(s.assumeClean());
        assertFalse(s.force());
        CreateSpec f = CreateSpec.builder().raidDevices(2).devices(List.of(A, B)).bitmapFile(Path.of("/tmp/x.bm"))
                .bitmapChunkBytes(1 << 20).name("n").homehost("h").sizeSectors(2048).assumeClean(true).force(true)
                .now(t).build();
        assertEquals(BitmapMode.FILE, f.bitmap());
        assertEquals(Path.of("/tmp/x.bm"), f.bitmapFile());
        assertEquals(1 << 20, f.bitmapChunkBytes());
        assertEquals("n", f.name());
        assertEquals("h", f.homehost());
        assertEquals(2048, f.sizeSectors());
        assertTrue(f.assumeClean());
        assertTrue(f.force());
        assertEquals(t, f.now());
    }

    @Test
    void createBuildRejectsProgrammingErrorsAndCheckRequestTheRest() throws Exception {
        assertMessage("devices: not set", () -> CreateSpec.builder().build());
        assertMessage("sizeSectors -8", () -> CreateSpec.builder().devices(A, B).sizeSectors(-8).build());
        assertMessage("bitmapChunkBytes -1", () -> CreateSpec.builder().devices(A, B).bitmapChunkBytes(-1).build());
        assertMessage("bitmapFile", () -> CreateSpec.builder().devices(A, B).bitmap(BitmapMode.FILE).build());
        assertMessage("bitmapFile", () -> CreateSpec.builder().devices(A, B).bitmapFile(Path.of("/tmp/x"))
                .bitmap(BitmapMode.NONE).build());
        // What the user asked for that RAID-1 cannot do is an ArrayException from checkRequest.
        ArrayException e = assertThrows(ArrayException.class,
                () -> ArrayCreator.checkRequest(CreateSpec.builder().level(5).devices(A, B).build()));
        assertTrue(e.getMessage().startsWith("level 5"), e.getMessage());
        e = assertThrows(ArrayException.class,
                () -> ArrayCreator.checkRequest(CreateSpec.builder().raidDevices(3).devices(A, B).build()));
        assertTrue(e.getMessage().contains("--raid-devices=3"), e.getMessage());
        ArrayCreator.checkRequest(CreateSpec.builder().devices(A, B).build());
    }

    private static void assertMessage(String start, org.junit.jupiter.api.function.Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().startsWith(start), "'" + e.getMessage() + "' should start with '" + start + "'");
        assertFalse(e.getMessage().contains("\n"), "one line");
    }
}
