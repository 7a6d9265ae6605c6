package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.metadata.TestArrays;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client I/O counters of {@link ArrayStatus#io()}, exact after known requests: a request
 * counts once however many slots it spans, a partial-block write's merge reads are not reads, a
 * refused request is not counted, and the array's own member flushes (bitmap daemon, safe mode)
 * are not client flushes.
 */
class IoCountersTest {
    @TempDir
    Path dir;

    @Test
    void countsWhatTheClientAskedAndGotDone() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 16L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(64 << 10).name("c").homehost("h")
                .assumeClean(true).devices(m).build()).write();
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).daemonSleepMillis(10).safeModeMillis(10)
                .maxIoBytes(64 << 10).build());
        try {
            assertEquals(new ArrayStatus.Io(0, 0, 0, 0, 0, 0, 0), a.status().io());
            IoSlot s = a.acquireSlot();
            try {
                a.write(s, 0, 4096, false);
                // Partial blocks: read-modify-write reads two blocks, none of them a client read.
                a.write(s, 4096 + 10, 5000, true);
                a.read(s, 0, 4096);
                a.read(s, 100, 1);
                a.trim(s, 1 << 20, 8192, false);
                a.flush(s);
                // Refused (outside the array): not completed, not counted.
                assertThrows(ArrayException.class, () -> a.write(s, a.sizeBytes(), 4096, false));
                assertThrows(ArrayException.class, () -> a.read(s, a.sizeBytes(), 4096));
            } finally {
                a.releaseSlot(s);
            }
            // Three slots' worth from one buffer each way: one request each.
            int big = 3 * a.maxIoBytes();
            a.write(2 << 20, ByteBuffer.allocate(big), false);
            a.read(2 << 20, ByteBuffer.allocate(big));
            a.trim(3 << 20, 4096);
            a.flush();
            // The housekeeper marks the array clean after 10 ms idle with a member flush, the
            // bitmap daemon flushes the members as it clears: neither is a client flush.
            Thread.sleep(300);
            assertEquals(new ArrayStatus.Io(3, 4096 + 1 + big, 3, 4096 + 5000 + big, 2, 8192 + 4096, 2),
                    a.status().io());
        } finally {
            a.stop();
        }
    }
}
