package io.bitmirror.tools.examine;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.tools.Cli;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed metadata: one line on stderr naming the field and its value, exit status 1, and
 * nothing written to any file.
 */
class BadInputTest {
    @TempDir
    Path dir;

    private List<Path> m;

    @BeforeEach
    void array() throws Exception {
        m = MdadmExamineTest.members(dir, 2, 32L << 20);
        Cli.Result c = Cli.run("create", "--level=1", "--raid-devices=2", m.get(0).toString(), m.get(1).toString());
        assertEquals(0, c.rc(), c.err());
    }

    /** Edits the superblock of {@code file} in place with the flyweight. */
    static void editSuperblock(Path file, boolean fixChecksum, Consumer<Superblock> edit) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            ch.read(b, 4096);
            Superblock sb = new Superblock().wrap(b, 0);
            edit.accept(sb);
            if (fixChecksum) {
                sb.updateChecksum();
            }
            b.clear();
            ch.write(b, 4096);
        }
    }

    static void putInt(Path file, long at, int v) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, v);
            ch.write(b, at);
        }
    }

    static String digest(Path dir) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                md.update(p.getFileName().toString().getBytes());
                md.update(Files.readAllBytes(p));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Runs the command and checks the one-line error, the status and that nothing changed. */
    private Cli.Result fails(String expectedStart, String... args) throws Exception {
        String before = digest(dir);
        Cli.Result r = Cli.run(args);
        assertEquals(1, r.rc(), "exit status; stderr: " + r.err());
        assertEquals(1, r.errLines().size(), "exactly one stderr line: " + r.err());
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("bitmirror: "), line);
        assertTrue(line.contains(expectedStart), "'" + line + "' should contain '" + expectedStart + "'");
        assertFalse(line.contains("Exception"), line);
        assertEquals(before, digest(dir), "nothing may be written");
        return r;
    }

    @Test
    void truncatedBelowTheSmallestMetadata() throws Exception {
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[5000]);
        fails("device size 5000 bytes: too small", "examine", tiny.toString());
    }

    @Test
    void missingDeviceIsNamedOnce() throws Exception {
        Cli.Result r = fails("no such file or device", "examine", dir.resolve("nope").toString());
        assertEquals("bitmirror: " + dir.resolve("nope") + ": no such file or device", r.errLines().get(0));
    }

    @Test
    void truncatedMember() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(m.get(0).toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        Cli.Result r = fails("data_size 63488: does not fit the device", "examine", m.get(0).toString());
        assertTrue(r.out().contains("TRUNCATED DEVICE"), "printed as mdadm prints it: " + r.out());
    }

    @Test
    void wrongMagic() throws Exception {
        putInt(m.get(0), 4096, 0x12345678);
        Cli.Result r = fails("magic 0x12345678 at sector 8: no md superblock", "examine", m.get(0).toString());
        assertEquals("", r.out());
    }

    @Test
    void wrongChecksum() throws Exception {
        editSuperblock(m.get(0), false, sb -> sb.events(99));
        Cli.Result r = fails("sb_csum 0x", "examine", m.get(0).toString());
        assertTrue(r.err().contains("wrong checksum, expected 0x"), r.err());
        assertTrue(r.out().matches("(?s).*Checksum : [0-9a-f]+ - expected [0-9a-f]+\n.*"), r.out());
    }

    @Test
    void unknownFeatureBits() throws Exception {
        editSuperblock(m.get(0), true, sb -> sb.featureMap(sb.featureMap() | 0x10000));
        fails("feature_map 0x00010001: unknown feature bits 0x00010000", "examine", m.get(0).toString());
    }

    @Test
    void dataOffsetOutsideTheDevice() throws Exception {
        editSuperblock(m.get(0), true, sb -> sb.dataOffset(1L << 40));
        fails("data_offset 1099511627776: is outside the device", "examine", m.get(0).toString());
    }

    @Test
    void bitmapOffsetIntoTheData() throws Exception {
        editSuperblock(m.get(0), true, sb -> sb.bitmapOffset(4096));
        fails("bitmap_offset 4096: must lie between the superblock and data_offset", "examine",
                m.get(0).toString());
    }

    @Test
    void bitmapUuidMismatch() throws Exception {
        putInt(m.get(1), 16 * 512 + 8, 0x01020304);
        fails("bitmap uuid 04030201", "examine-bitmap", m.get(1).toString());
        fails("bitmap uuid 04030201", "examine", m.get(1).toString());
    }

    @Test
    void versionSixBitmap() throws Exception {
        Path bm = dir.resolve("v6.bitmap");
        Path m2 = dir.resolve("x0");
        Path m3 = dir.resolve("x1");
        Files.write(m2, new byte[0]);
        Files.write(m3, new byte[0]);
        try (RandomAccessFile f = new RandomAccessFile(m2.toFile(), "rw"); RandomAccessFile g =
                new RandomAccessFile(m3.toFile(), "rw")) {
            f.setLength(8L << 20);
            g.setLength(8L << 20);
        }
        assertEquals(0, Cli.run("create", "-l1", "-n2", "--bitmap=" + bm, "--config=" + dir.resolve("bitmirror.conf"), m2.toString(), m3.toString()).rc());
        putInt(bm, 4, 6);
        fails("bitmap version 6: the lockless bitmap", "examine-bitmap", bm.toString());
        putInt(m.get(0), 16 * 512 + 4, 6);
        fails("bitmap version 6:", "examine-bitmap", m.get(0).toString());
    }

    @Test
    void createRefusalsWriteNothing() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        for (Path p : new Path[] {a, b}) {
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(8L << 20);
            }
        }
        fails("holds an md v1.2 superblock; use --force", "create", "-l1", "-n2", m.get(0).toString(), a.toString());
        fails("given twice", "create", "-l1", "-n2", a.toString(), dir.resolve(".").resolve("a").toString());
        fails("no such file or device", "create", "-l1", "-n2", a.toString(), dir.resolve("nope").toString());
        // --level=5 and --bitmap-chunk=3K are usage errors (exit 2): UsageErrorsTest.
    }

    /**
     * The member I/O options of assemble: each bad value is a line naming the option and the
     * value, exit 2, and the members are not touched (the array is never assembled).
     */
    @Test
    void memberIoOptionsRefusedBeforeAnythingIsWritten() throws Exception {
        String a = m.get(0).toString();
        String b = m.get(1).toString();
        String[][] cases = {
            {"--member-io must be auto, aio, threads or inline: uring", "--member-io=uring"},
            {"--queue-depth must be 1 to 64: 65", "--queue-depth=65"},
            {"--queue-depth must be 1 to 64: 0", "--queue-depth=0"},
            {"--member-timeout must be 0 or more seconds: -1", "--member-timeout=-1"},
            {"--member-threads is --member-io=threads: not with --member-io=inline", "--member-threads",
                "--member-io=inline"},
            {"--member-io=aio needs O_DIRECT members: not with --cache=writeback", "--member-io=aio",
                "--cache=writeback"},
        };
        for (String[] c : cases) {
            String before = digest(dir);
            String[] args = new String[c.length + 2];
            args[0] = "assemble";
            System.arraycopy(c, 1, args, 1, c.length - 1);
            args[c.length] = a;
            args[c.length + 1] = b;
            Cli.Result r = Cli.run(args);
            assertEquals(2, r.rc(), String.join(" ", args) + ": " + r.err());
            // The error is one line; a value picocli could not convert is followed by its "Try ... --help" hint.
            assertTrue(r.errLines().get(0).contains(c[0]), "'" + r.err() + "' should contain '" + c[0] + "'");
            assertFalse(r.err().contains("Exception"), r.err());
            assertEquals(before, digest(dir), "nothing may be written: " + String.join(" ", args));
        }
    }

    @Test
    void usageErrorsExitWithTwo() {
        Cli.Result r = Cli.run("create", "--level=1");
        assertEquals(2, r.rc());
        assertTrue(r.err().startsWith("bitmirror: Missing required"), r.err());
        assertEquals(2, Cli.run("create", "-l1", "-n2", "--size=12Q", "a", "b").rc());
        assertEquals(2, Cli.run("frobnicate").rc());
        Cli.Result d = Cli.run("assemble", "--nbd-dispatch=fast", "a", "b");
        assertEquals(2, d.rc());
        assertTrue(d.err().contains("'fast' is not auto, reader or workers"), d.err());
        assertEquals(0, Cli.run("--help").rc());
        assertTrue(Cli.run("--version").out().startsWith("bitmirror "));
    }
}
