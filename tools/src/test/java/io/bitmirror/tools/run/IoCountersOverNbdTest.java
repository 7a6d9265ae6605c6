package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;

import io.bitmirror.tools.External;
import io.bitmirror.tools.control.ControlClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The detail object's client I/O counters after a real NBD client (nbdcopy, one connection,
 * 64 KiB requests, no sparse or extent tricks) wrote and read a running array: the JSON counts
 * and bytes are exactly what the client sent, and the text view's I/O line says the same.
 */
class IoCountersOverNbdTest {
    @TempDir
    Path dir;

    private static JsonNode counters(ArrayProcess a) throws Exception {
        return ControlClient.request(a.control, "detail").path("counters");
    }

    @Test
    void nbdcopyWritesAndReadsAreCountedExactly() throws Exception {
        External.requireTool("nbdcopy");
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20);
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            JsonNode c0 = counters(a);
            for (String f : new String[] {"reads", "readBytes", "writes", "writeBytes", "trims", "trimBytes", "flushes"}) {
                assertTrue(c0.path(f).isIntegralNumber(), f + " in " + c0);
                assertEquals(0, c0.path(f).asLong(), f + " before any client I/O: " + c0);
            }
            byte[] data = new byte[4 << 20];
            new Random(11).nextBytes(data);
            Path in = dir.resolve("in.bin");
            Files.write(in, data);
            External.Run put = External.run("nbdcopy", "-C", "1", "--request-size=65536", "--sparse=0", "--flush",
                    in.toString(), a.uri());
            assertEquals(0, put.rc(), put.err());
            JsonNode c1 = counters(a);
            assertEquals(64, c1.path("writes").asLong(), c1.toString());
            assertEquals(4 << 20, c1.path("writeBytes").asLong(), c1.toString());
            assertEquals(0, c1.path("reads").asLong(), "a write-only client read nothing: " + c1);
            assertEquals(0, c1.path("trims").asLong(), c1.toString());
            assertTrue(c1.path("flushes").asLong() >= 1, "nbdcopy --flush flushed: " + c1);
            long exportBytes = (32L << 20) - (1L << 20);
            External.Run get = External.run("nbdcopy", "-C", "1", "--request-size=65536", "--no-extents", a.uri(),
                    "null:");
            assertEquals(0, get.rc(), get.err());
            JsonNode c2 = counters(a);
            assertEquals(exportBytes / 65536, c2.path("reads").asLong(), c2.toString());
            assertEquals(exportBytes, c2.path("readBytes").asLong(), c2.toString());
            assertEquals(64, c2.path("writes").asLong(), "reading wrote nothing: " + c2);
            String text = a.detail();
            assertTrue(text.contains(String.format("               I/O : %d reads (%d KiB), 64 writes (4096 KiB), 0 trims "
                    + "(0 KiB), %d flushes%n", exportBytes / 65536, exportBytes / 1024, c2.path("flushes").asLong())), text);
            assertEquals(0, a.stop(), a.output());
        }
    }
}
