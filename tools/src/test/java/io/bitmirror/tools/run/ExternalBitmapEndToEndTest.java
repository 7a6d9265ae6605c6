package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmapfile.ExternalBitmap;
import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An external bitmap file on a loop-mounted ext4 or xfs, through the CLI: create records it,
 * assemble finds it in the registry; while the array runs the bits written straight to the
 * block device are seen by bitmirror examine-bitmap (O_DIRECT) and by mdadm --examine-bitmap,
 * and the file cannot be truncated or written; after a clean stop a buffered read shows the
 * same bytes as the device, and the file can be appended to and truncated again.
 */
class ExternalBitmapEndToEndTest {
    @TempDir
    Path dir;

    private static long dirty(String examineBitmapOutput) {
        Matcher m = Pattern.compile("Bitmap : (\\d+) bits \\(chunks\\), (\\d+) dirty").matcher(examineBitmapOutput);
        assertTrue(m.find(), examineBitmapOutput);
        return Long.parseLong(m.group(2));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ext4", "xfs"})
    void bitsSeenWhileRunningAndBufferedReadAgreesAfterStop(String fs) throws Exception {
        External.requireLoopDevices();
        for (String t : new String[] {"mdadm", "mount", "mkfs." + fs, "nbdcopy", "truncate"}) {
            External.requireTool(t);
        }
        Path image = dir.resolve(fs + ".img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(320L << 20);
        }
        External.Run mk = fs.equals("xfs") ? External.run("mkfs.xfs", "-q", "-f", image.toString())
                : External.run("mkfs.ext4", "-q", "-F", image.toString());
        assertEquals(0, mk.rc(), mk.err());
        External.Run l = External.run("losetup", "-f", "--show", image.toString());
        assertEquals(0, l.rc(), "losetup: " + l.err());
        String loop = l.out().trim();
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        External.Run mount = External.run("mount", loop, mnt.toString());
        if (mount.rc() != 0) {
            External.run("losetup", "-d", loop);
        }
        assertEquals(0, mount.rc(), "mount: " + mount.err());
        try {
            Path bm = mnt.resolve("array.bitmap");
            Path conf = dir.resolve("bitmirror.conf");
            List<Path> m = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Path p = dir.resolve("m" + i + ".img");
                try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                    f.setLength(64L << 20);
                }
                m.add(p);
            }
            Cli.Result c = Cli.run("create", "-l1", "-n2", "--assume-clean", "--bitmap=" + bm, "--bitmap-chunk=64K",
                    "--config=" + conf, m.get(0).toString(), m.get(1).toString());
            assertEquals(0, c.rc(), c.err());
            assertTrue(Files.readString(conf).contains("bitmap=" + bm), "recorded in the registry");
            try (ArrayProcess a = ArrayProcess.start(dir, List.of("--config=" + conf), m)) {
                assertTrue(a.output().contains("external bitmap " + bm), a.output());
                // detail names the file as mdadm --detail does: "Intent Bitmap : PATH".
                assertTrue(a.detail().contains("     Intent Bitmap : " + bm.toAbsolutePath() + "\n"), a.detail());
                byte[] data = new byte[4 << 20];
                new Random(3).nextBytes(data);
                Path in = dir.resolve("in.bin");
                Files.write(in, data);
                assertEquals(0, External.run("nbdcopy", in.toString(), a.uri()).rc());
                // 4 MiB from offset 0 in 64 KiB chunks: at least 64 bits set, on the device now.
                Cli.Result ours = Cli.run("examine-bitmap", bm.toString());
                assertEquals(0, ours.rc(), ours.err());
                External.Run md = External.run("mdadm", "--examine-bitmap", bm.toString());
                assertEquals(0, md.rc(), md.err());
                long d = dirty(ours.out());
                assertTrue(d >= 64, ours.out());
                assertEquals(d, dirty(md.out()), "mdadm sees the same bits");
                // The file is protected while the array runs.
                assertNotEquals(0, External.run("truncate", "-s", "0", bm.toString()).rc());
                assertNotEquals(0, External.run("sh", "-c", "echo x >> '" + bm + "'").rc());
                assertEquals(0, a.stop(), a.output());
            }
            ByteBuffer direct = ExternalBitmap.readDirect(bm, 1 << 20);
            byte[] viaDevice = new byte[direct.remaining()];
            direct.get(viaDevice);
            byte[] buffered = Files.readAllBytes(bm);
            assertArrayEquals(viaDevice, Arrays.copyOf(buffered, viaDevice.length),
                    "after a clean stop a buffered read shows the bytes written to the device");
            assertEquals(0, dirty(Cli.run("examine-bitmap", bm.toString()).out()), "clean stop cleared the bits");
            // And it takes writes through the filesystem again: the append and the truncate that
            // were refused while the array ran now succeed and change the file.
            long length = Files.size(bm);
            External.Run append = External.run("sh", "-c", "echo x >> '" + bm + "'");
            assertEquals(0, append.rc(), "append after stop: " + append.err());
            byte[] appended = Files.readAllBytes(bm);
            assertEquals(length + 2, appended.length, "the append reached the file");
            assertEquals("x\n", new String(appended, (int) length, 2, java.nio.charset.StandardCharsets.US_ASCII));
            External.Run cut = External.run("truncate", "-s", Long.toString(length), bm.toString());
            assertEquals(0, cut.rc(), "truncate after stop: " + cut.err());
            assertArrayEquals(buffered, Files.readAllBytes(bm), "truncated back to the bitmap as it was");
        } finally {
            External.run("umount", mnt.toString());
            External.run("losetup", "-d", loop);
        }
    }
}
