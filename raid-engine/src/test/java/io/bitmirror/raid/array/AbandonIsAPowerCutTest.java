package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.internal.ArrayInternals;
import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code abandon()} is a crash for the bitmap too: what is only in memory (a dirty bitmap page)
 * is not written, and nothing is flushed, so the members' volatile writes stay volatile for the
 * power cut that follows. Before, the engine's close wrote and flushed every dirty page, and its
 * store flush made every earlier data write durable as well.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AbandonIsAPowerCutTest {
    @TempDir
    Path dir;

    @Test
    void abandonWritesNoDirtyBitmapPageAndFlushesNothing() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 16L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(64 << 10).name("cut").homehost("h")
                .assumeClean(true).devices(m).build()).write();
        List<VolatileCacheDevice> devs = new ArrayList<>();
        // Daemon and safe mode far away: nothing but abandon() could write or flush afterwards.
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).daemonSleepMillis(600_000)
                .safeModeMillis(600_000).opener(p -> {
                    VolatileCacheDevice v = new VolatileCacheDevice(FileMemberDevice.open(p), p);
                    synchronized (devs) {
                        devs.add(v);
                    }
                    return v;
                }).build());
        a.write(5L << 16, ByteBuffer.wrap(new byte[4096]), false);
        long eventsOnDisk = MetadataReader.read(m.get(0)).bitmapSuperblock().events();
        // A change that lives in the bitmap's memory only (page 0 dirty, not written).
        a.bitmap().setEvents(eventsOnDisk + 1000);
        int[] unflushed = new int[devs.size()];
        for (int i = 0; i < unflushed.length; i++) {
            unflushed[i] = devs.get(i).unflushed();
            assertTrue(unflushed[i] > 0, "the data write is volatile before the crash");
        }
        ArrayInternals.abandon(a);
        for (int i = 0; i < unflushed.length; i++) {
            assertEquals(unflushed[i], devs.get(i).unflushed(), "abandon flushed or wrote member " + i);
        }
        for (Path p : m) {
            assertEquals(eventsOnDisk, MetadataReader.read(p).bitmapSuperblock().events(),
                    "abandon wrote the dirty bitmap page of " + p.getFileName());
        }
    }
}
