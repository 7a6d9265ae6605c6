package io.bitmirror.tools.run;

import static io.bitmirror.tools.Refusals.refused;
import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.tools.External;
import io.bitmirror.tools.control.ControlClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code assemble --cache=none|writeback}: a word it does not know is one line on stderr, exit
 * status 2 and nothing written; with writeback an NBD client's data is served and ends up on
 * both members, and detail says which mode runs (none without the option).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CacheOptionTest {
    @TempDir
    Path dir;

    @Test
    void unknownWordIsOneLineAndWritesNothing() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 16L << 20);
        for (String bad : new String[] {"--cache=always", "--cache=", "--cache=WRITEBACK"}) {
            refused(dir, 2, ("--cache must be none or writeback: " + bad.substring("--cache=".length())).trim(), "assemble",
                    "--export=nbd+unix:///?socket=" + dir.resolve("a.sock"), "--control=" + dir.resolve("c.sock"), bad,
                    m.get(0).toString(), m.get(1).toString());
        }
    }

    @Test
    void writebackServesDataToBothMembersAndDetailSaysSo() throws Exception {
        External.requireTool("nbdcopy");
        long member = 32L << 20;
        List<Path> m = NbdClientsTest.createArray(dir, member);
        byte[] data = new byte[4 << 20];
        new Random(21).nextBytes(data);
        Path in = dir.resolve("in.bin");
        Files.write(in, data);
        Path out = dir.resolve("out.bin");
        try (ArrayProcess a = ArrayProcess.start(dir, List.of("--cache=writeback"), m)) {
            assertEquals("writeback", ControlClient.request(a.control, "detail").path("cache").asText());
            String text = a.detail();
            assertTrue(text.contains("        Cache Mode : writeback\n"), text);
            External.Run put = External.run("nbdcopy", "--flush", in.toString(), a.uri());
            assertEquals(0, put.rc(), put.err());
            External.Run get = External.run("nbdcopy", a.uri(), out.toString());
            assertEquals(0, get.rc(), get.err());
            assertEquals(0, a.stop(), a.output());
        }
        byte[] back = Files.readAllBytes(out);
        assertArrayEquals(data, Arrays.copyOf(back, data.length), "the client reads what it wrote");
        assertArrayEquals(dataArea(m.get(0)), dataArea(m.get(1)), "both members hold the same data");
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            assertEquals("none", ControlClient.request(a.control, "detail").path("cache").asText());
            assertTrue(a.detail().contains("        Cache Mode : none\n"), a.detail());
            assertEquals(0, a.stop(), a.output());
        }
    }

    private static byte[] dataArea(Path member) throws Exception {
        long off = MetadataReader.read(member).superblock().dataOffset() * 512;
        byte[] all = Files.readAllBytes(member);
        return Arrays.copyOfRange(all, (int) off, all.length);
    }
}
