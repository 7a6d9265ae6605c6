package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.device.DeviceInfo;
import io.bitmirror.raid.internal.ArrayInternals;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;
import io.bitmirror.testsupport.Requirements;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same array on block devices (loop devices, as root): size through BLKGETSIZE64, O_DIRECT
 * on the device; writes, a crash, resync of the dirty chunks, identical members.
 */
class LoopDeviceArrayTest {
    private static final int CHUNK = 256 << 10;

    @TempDir
    Path dir;

    private static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    @Test
    void crashAndResyncOnLoopDevices() throws Exception {
        Requirements.requireLoopDevices();
        List<Path> files = TestArrays.files(dir, 2, 32L << 20);
        List<Path> loops = new ArrayList<>();
        try {
            for (Path f : files) {
                loops.add(Path.of(sh("losetup", "-f", "--show", f.toString())));
            }
            DeviceInfo info = DeviceInfo.probe(loops.get(0));
            assertTrue(info.blockDevice());
            assertEquals(32L << 20, info.sizeBytes(), "BLKGETSIZE64");
            assertEquals(512, info.logicalSectorSize(), "BLKSSZGET");
            ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(CHUNK).name("loop").homehost("h")
                    .assumeClean(true).devices(loops).build()).write();
            RaidArray a = RaidArray.assemble(AssembleOptions.of(loops));
            SplittableRandom r = new SplittableRandom(21);
            byte[] data = new byte[64 << 10];
            // 64 KiB at a 64 KiB boundary lies in one 256 KiB chunk: these are the chunks written.
            BitSet touched = new BitSet();
            for (int i = 0; i < 20; i++) {
                r.nextBytes(data);
                long offset = (long) r.nextInt(400) * 65536;
                a.write(offset, ByteBuffer.wrap(data), false);
                touched.set((int) (offset / CHUNK));
            }
            a.flush();
            ArrayInternals.abandon(a);
            assertFalse(MetadataReader.read(loops.get(0)).superblock().isClean());
            BitSet onDisk = ArrayCrashTest.unionDirtyChunks(loops);
            BitSet stray = (BitSet) onDisk.clone();
            stray.andNot(touched);
            assertTrue(stray.isEmpty(), "dirty on disk but never written: " + stray + "; written: " + touched);
            assertFalse(onDisk.isEmpty(), "the writes left dirty bits");
            RaidArray b = RaidArray.assemble(AssembleOptions.of(loops));
            assertTrue(b.awaitSyncIdle(60_000));
            // Exactly the chunks dirty on disk, which are at most the ones written.
            assertEquals(onDisk.cardinality(), b.status().resyncedChunks(),
                    "resync copies the dirty chunks, no more: written " + touched + ", dirty " + onDisk);
            b.stop();
            assertTrue(MetadataReader.read(loops.get(0)).superblock().isClean());
        } finally {
            for (Path l : loops) {
                sh("losetup", "-d", l.toString());
            }
        }
        ArrayCrashTest.assertMembersIdentical(files, MetadataReader.read(files.get(0)).superblock().size() * 512);
    }
}
