package io.bitmirror.faults.record;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.member.FileMemberDevice;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingDeviceTest {
    @TempDir
    Path dir;

    @Test
    void logsWritesFlushesAndTrimsInCompletionOrderWithWhatAFlushCovers() throws Exception {
        Path p = dir.resolve("m.img");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        WriteLog log = new WriteLog(2);
        try (RecordingDevice d = new RecordingDevice(FileMemberDevice.open(p), 1, log)) {
            ByteBuffer b = DirectIo.allocate(4096);
            for (int i = 0; i < 4096; i++) {
                b.put(i, (byte) 7);
            }
            d.write(8192, b, false);
            d.flush();
            b.clear();
            d.write(4096, b, true);
            d.trim(0, 4096);
        }
        List<LogEntry> e = log.snapshot();
        assertEquals(4, e.size());
        assertEquals(LogEntry.Kind.WRITE, e.get(0).kind());
        assertEquals(1, e.get(0).member());
        assertEquals(8192, e.get(0).position());
        assertEquals(7, e.get(0).data()[4095]);
        assertEquals(LogEntry.Kind.FLUSH, e.get(1).kind());
        assertEquals(1, e.get(1).covers(), "the flush covers the write completed before it was issued");
        assertTrue(e.get(2).fua());
        assertEquals(LogEntry.Kind.TRIM, e.get(3).kind());
        assertEquals(4096, e.get(3).length());
        for (int i = 0; i < e.size(); i++) {
            assertEquals(i + 1, e.get(i).seq());
        }
    }
}
