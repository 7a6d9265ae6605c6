package io.bitmirror.tools.zero;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;
import io.bitmirror.tools.TestArrays;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code zero-superblock} erases what mdadm recognises (superblock and internal bitmap
 * superblock), refuses a member a running array holds, and validates every device before
 * writing any.
 */
class ZeroSuperblockTest {
    @TempDir
    Path dir;

    static int magicAt(Path p, long offset) throws Exception {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(b, offset);
            return b.getInt(0);
        }
    }

    @Test
    void erasesWhatMdadmReadsAndRefusesARunningMember() throws Exception {
        External.requireTool("mdadm");
        List<Path> m = TestArrays.array(dir, "web");
        assertEquals(0xa92b4efc, magicAt(m.get(0), 4096));
        assertEquals(0x6d746962, magicAt(m.get(0), 8192), "internal bitmap superblock 8 sectors after it");

        // A running array (its own JVM) holds the members' exclusive locks.
        Path ctl = dir.resolve("web.control");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Dchronicle")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("io.bitmirror.tools.Main", "assemble", "--export=nbd+unix:///?socket=" + dir.resolve("w.sock"),
                "--control=" + ctl, m.get(0).toString(), m.get(1).toString()));
        Path log = dir.resolve("array.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("BITMIRROR_RUN_DIR", dir.resolve("run").toString());
        Process p = pb.start();
        try {
            long end = System.nanoTime() + 30_000_000_000L;
            while (!Files.exists(ctl) && p.isAlive() && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(ctl), Files.readString(log));
            Cli.Result busy = Cli.run("zero-superblock", m.get(1).toString());
            assertEquals(1, busy.rc());
            assertEquals("bitmirror: " + m.get(1) + ": in use by a running array (its exclusive lock is held); stop the "
                    + "array first\n", busy.err());
            assertEquals(0xa92b4efc, magicAt(m.get(1), 4096), "nothing written");
        } finally {
            p.destroy(); // SIGTERM to the java process itself: a clean stop
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertEquals(0, p.exitValue(), Files.readString(log));

        // A device without a superblock in the list: refused before the others are touched.
        Path blank = TestArrays.file(dir, "blank.img", 8 << 20);
        Cli.Result none = Cli.run("zero-superblock", m.get(0).toString(), blank.toString());
        assertEquals(1, none.rc());
        assertTrue(none.err().startsWith("bitmirror: " + blank + ": no md superblock to erase ("), none.err());
        assertEquals(0xa92b4efc, magicAt(m.get(0), 4096), "the valid device listed first was not written");

        Cli.Result z = Cli.run("zero-superblock", m.get(0).toString(), m.get(1).toString());
        assertEquals(0, z.rc(), z.err());
        assertEquals("bitmirror: " + m.get(0) + ": md superblock erased (and its internal bitmap superblock)\n"
                + "bitmirror: " + m.get(1) + ": md superblock erased (and its internal bitmap superblock)\n", z.out());
        for (Path x : m) {
            External.Run e = External.run("mdadm", "--examine", x.toString());
            assertNotEquals(0, e.rc());
            assertTrue((e.out() + e.err()).contains("No md superblock detected"), e.out() + e.err());
            External.Run xb = External.run("mdadm", "--examine-bitmap", x.toString());
            assertNotEquals(0x6d746962, magicAt(x, 8192), xb.out());
        }
        // A second run finds nothing to erase.
        Cli.Result again = Cli.run("zero-superblock", m.get(0).toString());
        assertEquals(1, again.rc());
    }
}
