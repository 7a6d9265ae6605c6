package io.bitmirror.tools.examine;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real {@code mdadm --examine-bitmap} and {@code bitmirror examine-bitmap} agree on every field. */
class MdadmExamineBitmapTest {
    @TempDir
    Path dir;

    /** Every line but Filename, which names the path each was given. */
    static List<String> fields(String text) {
        List<String> out = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (l.contains(" : ") && !l.trim().startsWith("Filename")) {
                out.add(l);
            }
        }
        return out;
    }

    /** Clears a pseudo-random subset of bits so dirty counts and percentages are not trivial. */
    static void scribbleBits(Path file, long bitmapStart, int bytes, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            for (int i = 0; i < bytes; i++) {
                f.seek(bitmapStart + 256 + i);
                int v = f.read();
                f.seek(bitmapStart + 256 + i);
                f.write(v & r.nextInt(256));
            }
        }
    }

    @Test
    void internalBitmapThroughAReadOnlyLoopDevice() throws Exception {
        External.requireTool("mdadm");
        External.requireLoopDevices();
        List<Path> m = MdadmExamineTest.members(dir, 2, 64L << 20);
        // 64 KiB chunks: 1008 bits, so counting covers whole bytes and a partial last one.
        Cli.Result c = Cli.run("create", "--level=1", "--raid-devices=2", "--bitmap-chunk=64K", m.get(0).toString(),
                m.get(1).toString());
        assertEquals(0, c.rc(), c.err());
        scribbleBits(m.get(0), 16 * 512, 126, 5);
        String loop = External.loopReadOnly(m.get(0));
        try {
            External.Run md = External.run("mdadm", "--examine-bitmap", loop);
            assertEquals(0, md.rc(), md.err());
            assertTrue(md.out().contains("Bitmap : 1008 bits (chunks)"), md.out());
            Cli.Result onImage = Cli.run("examine-bitmap", m.get(0).toString());
            assertEquals(0, onImage.rc(), onImage.err());
            assertEquals(fields(md.out()), fields(onImage.out()));
            Cli.Result onLoop = Cli.run("examine-bitmap", loop);
            assertEquals(0, onLoop.rc(), onLoop.err());
            assertEquals(md.out(), onLoop.out(), "same text when given the same path");
        } finally {
            External.detach(loop);
        }
    }

    @Test
    void externalBitmapFile() throws Exception {
        External.requireTool("mdadm");
        List<Path> m = MdadmExamineTest.members(dir, 2, 200L << 20);
        Path bm = dir.resolve("array.bitmap");
        Cli.Result c = Cli.run("create", "--level=1", "--raid-devices=2", "--bitmap=" + bm, "--config=" + dir.resolve("bitmirror.conf"), "--bitmap-chunk=128K",
                m.get(0).toString(), m.get(1).toString());
        assertEquals(0, c.rc(), c.err());
        scribbleBits(bm, 0, 199, 9);
        External.Run md = External.run("mdadm", "--examine-bitmap", bm.toString());
        assertEquals(0, md.rc(), md.err());
        Cli.Result ours = Cli.run("examine-bitmap", bm.toString());
        assertEquals(0, ours.rc(), ours.err());
        assertEquals(md.out(), ours.out());
        for (String key : new String[] {"Bitmap :", "Chunksize : 128 KB", "Events :", "UUID :", "State : OK",
            "Daemon : 5s flush period", "Write Mode : Normal", "Sync Size :"}) {
            assertTrue(ours.out().contains(key), key + " in " + ours.out());
        }
    }
}
