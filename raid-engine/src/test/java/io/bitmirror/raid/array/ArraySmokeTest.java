package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArraySmokeTest {
    @TempDir
    Path dir;

    @Test
    void writeReadStopReassemble() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 16L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(64 << 10).name("t").homehost("h")
                .assumeClean(true).devices(m).build()).write();
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).daemonSleepMillis(100).build());
        SplittableRandom r = new SplittableRandom(1);
        byte[] data = new byte[8192];
        r.nextBytes(data);
        a.write(4096, ByteBuffer.wrap(data), false);
        a.flush();
        ByteBuffer back = ByteBuffer.allocate(8192);
        a.read(4096, back);
        assertArrayEquals(data, back.array());
        assertTrue(a.status().dirtyChunks() >= 1);
        a.stop();
        assertTrue(MetadataReader.read(m.get(0)).superblock().isClean());
        RaidArray b = RaidArray.assemble(AssembleOptions.of(m));
        ByteBuffer again = ByteBuffer.allocate(8192);
        b.read(4096, again);
        assertArrayEquals(data, again.array());
        b.stop();
    }
}
