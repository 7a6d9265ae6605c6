package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.External;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code truncate} of a member file under a running array (issue 15, defect 3): the member is
 * failed, reads return the data from the other member, and the file is never extended again
 * (writes past its new end would leave holes that read as zeroes).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TruncatedMemberTest {
    @TempDir
    Path dir;

    @Test
    void truncatedMemberIsFailedAndNeverExtended() throws Exception {
        External.requireTool("nbdcopy");
        External.requireTool("truncate");
        List<Path> m = NbdClientsTest.createArray(dir, 64L << 20);
        byte[] data = new byte[32 << 20];
        new SplittableRandom(15).nextBytes(data);
        Path in = dir.resolve("in.bin");
        Files.write(in, data);
        long cut = 16L << 20;
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            External.Run put = External.run("nbdcopy", in.toString(), a.uri());
            assertEquals(0, put.rc(), put.err());
            External.Run t = External.run("truncate", "-s", Long.toString(cut), m.get(1).toString());
            assertEquals(0, t.rc(), t.err());
            // Reads at once, while the array may not have noticed yet: whichever path sees the
            // shrink first (a read error or the housekeeping tick) must fail the member.
            Path out = dir.resolve("out.bin");
            for (int round = 0; round < 3; round++) {
                External.Run get = External.run("nbdcopy", a.uri(), out.toString());
                assertEquals(0, get.rc(), get.err());
                byte[] back = Files.readAllBytes(out);
                assertArrayEquals(data, Arrays.copyOf(back, data.length), "round " + round + ": data read back");
                Files.delete(out);
            }
            String detail = a.detail();
            long end = System.nanoTime() + 20_000_000_000L;
            while (!detail.contains("faulty") && System.nanoTime() < end) {
                Thread.sleep(100);
                detail = a.detail();
            }
            assertTrue(detail.matches("(?s).*faulty\\s+" + m.get(1) + ".*"), "member 1 faulty:\n" + detail);
            assertTrue(detail.contains("degraded"), detail);
            assertTrue(a.output().contains("device shrank from 67108864 to 16777216 bytes"), a.output());
            // Writes after the failure go to member 0 only.
            External.Run again = External.run("nbdcopy", in.toString(), a.uri());
            assertEquals(0, again.rc(), again.err());
            assertEquals(cut, Files.size(m.get(1)), "the truncated member was written past its new end");
            assertEquals(0, a.stop(), a.output());
        }
        assertEquals(cut, Files.size(m.get(1)), "the truncated member was written past its new end");
    }
}
