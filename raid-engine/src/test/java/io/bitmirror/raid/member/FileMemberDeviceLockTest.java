package io.bitmirror.raid.member;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exclusive lock of a member: a second open in the same process is named as such (issue 15,
 * defect 7), not as "another bitmirror"; a member that shrinks reports its current size.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileMemberDeviceLockTest {
    @TempDir
    Path dir;

    @Test
    void secondOpenInTheSameProcessSaysSo() throws Exception {
        Path p = dir.resolve("m");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        try (FileMemberDevice d = FileMemberDevice.open(p)) {
            IOException e = assertThrows(IOException.class, () -> FileMemberDevice.open(dir.resolve(".").resolve("m")));
            assertTrue(e.getMessage().contains("in use by this bitmirror process already"), e.getMessage());
            assertFalse(e.getMessage().contains("another bitmirror"), e.getMessage());
            assertEquals(1 << 20, d.currentSizeBytes());
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(1 << 19);
            }
            assertEquals(1 << 19, d.currentSizeBytes());
            assertEquals(1 << 20, d.sizeBytes(), "the size it was opened with");
        }
        // Closed: it can be opened again.
        FileMemberDevice.open(p).close();
        assertTrue(Files.exists(p));
    }
}
