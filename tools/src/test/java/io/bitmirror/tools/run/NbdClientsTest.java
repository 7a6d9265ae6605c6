package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real NBD clients against a running export: nbdinfo, nbdcopy, fio's nbd engine. */
class NbdClientsTest {
    @TempDir
    Path dir;

    static List<Path> createArray(Path dir, long bytes, String... extra) throws Exception {
        List<Path> m = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path p = dir.resolve("m" + i + ".img");
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(bytes);
            }
            m.add(p);
        }
        List<String> args = new ArrayList<>(List.of("create", "-l1", "-n2", "--assume-clean"));
        args.addAll(Arrays.asList(extra));
        args.add(m.get(0).toString());
        args.add(m.get(1).toString());
        Cli.Result r = Cli.run(args.toArray(new String[0]));
        assertEquals(0, r.rc(), r.err());
        return m;
    }

    @Test
    void nbdinfoNbdcopyAndFioVerify() throws Exception {
        External.requireTool("nbdinfo");
        External.requireTool("nbdcopy");
        External.requireTool("fio");
        List<Path> m = createArray(dir, 256L << 20);
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            External.Run info = External.run("nbdinfo", "--json", a.uri());
            assertEquals(0, info.rc(), info.err());
            String j = info.out().replace(" ", "");
            assertTrue(j.contains("\"export-size\":" + ((256L << 20) - (1L << 20))), j);
            for (String cap : new String[] {"can_flush", "can_fua", "can_trim", "can_multi_conn"}) {
                assertTrue(j.contains("\"" + cap + "\":true"), cap + " in " + j);
            }
            // nbdcopy: 64 MiB of random data in, and back out identical.
            byte[] data = new byte[64 << 20];
            new Random(7).nextBytes(data);
            Path in = dir.resolve("in.bin");
            Path out = dir.resolve("out.bin");
            Files.write(in, data);
            External.Run put = External.run("nbdcopy", in.toString(), a.uri());
            assertEquals(0, put.rc(), put.err());
            External.Run get = External.run("nbdcopy", a.uri(), out.toString());
            assertEquals(0, get.rc(), get.err());
            byte[] back = Files.readAllBytes(out);
            assertArrayEquals(data, Arrays.copyOf(back, data.length), "nbdcopy read back what it wrote");
            Files.delete(out);
            // fio's nbd engine with crc32c verification, queue depth 32.
            External.Run fio = External.run("fio", "--name=verify", "--ioengine=nbd", "--uri=" + a.uri(),
                    "--rw=randwrite", "--bs=4k", "--iodepth=32", "--size=32M", "--offset=64M", "--verify=crc32c",
                    "--do_verify=1", "--verify_fatal=1", "--verify_state_save=0", "--output-format=terse");
            assertEquals(0, fio.rc(), fio.out() + fio.err());
            assertEquals(0, a.stop(), a.output());
        }
        assertTrue(Cli.run("examine", m.get(0).toString()).out().contains("State : clean"));
    }
}
