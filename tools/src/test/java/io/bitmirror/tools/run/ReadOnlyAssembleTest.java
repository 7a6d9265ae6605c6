package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bitmirror assemble --readonly} from the command line, against real NBD clients: an
 * array killed while active (so not clean) is assembled read-only; nbdinfo sees a read-only
 * export, the data reads back, nbdcopy and qemu-io refuse to write to it, a client that writes
 * anyway gets EPERM, manage requests that would write are refused in one line, detail says
 * resync=PENDING; after stop (exit 0) both members are byte-identical (SHA-256) to before, and
 * mdadm still calls them active (not clean: nothing marked them).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReadOnlyAssembleTest {
    @TempDir
    Path dir;

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] b = new byte[1 << 20];
            for (int n; (n = in.read(b)) > 0;) {
                md.update(b, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static List<String> hashes(List<Path> m) throws Exception {
        List<String> h = new ArrayList<>();
        for (Path p : m) {
            h.add(sha256(p));
        }
        return h;
    }

    @Test
    void readOnlyAssemblyWritesNothingAndRefusesWritesThroughRealClients() throws Exception {
        External.requireTool("nbdinfo");
        External.requireTool("nbdcopy");
        External.requireTool("qemu-io");
        External.requireTool("mdadm");
        List<Path> m = NbdClientsTest.createArray(dir, 64L << 20);
        byte[] data = new byte[48 << 20];
        new Random(11).nextBytes(data);
        Path in = dir.resolve("in.bin");
        Files.write(in, data);
        // Read-write first, and a crash in the middle of writes: the superblocks say active.
        try (ArrayProcess rw = ArrayProcess.start(dir, List.of(), m)) {
            Process copy = new ProcessBuilder("nbdcopy", in.toString(), rw.uri()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("copy.log").toFile()).start();
            long end = System.nanoTime() + 30_000_000_000L;
            while (!rw.detail().contains("State : active") && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            rw.kill9();
            copy.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(External.run("mdadm", "--examine", m.get(0).toString()).out().contains("State : active"),
                "killed while active");
        List<String> before = hashes(m);

        try (ArrayProcess a = ArrayProcess.start(dir, List.of("--readonly"), m)) {
            External.Run info = External.run("nbdinfo", "--json", a.uri());
            assertEquals(0, info.rc(), info.err());
            String j = info.out().replace(" ", "");
            assertTrue(j.contains("\"is_read_only\":true"), j);
            for (String cap : new String[] {"can_trim", "can_zero", "can_fua"}) {
                assertTrue(j.contains("\"" + cap + "\":false"), cap + " in " + j);
            }
            Path out = dir.resolve("out.bin");
            External.Run back = External.run("nbdcopy", a.uri(), out.toString());
            assertEquals(0, back.rc(), back.err());
            // Resync pending: every read comes from the first member, as md reads an unsynced array.
            long at = MetadataReader.read(m.get(0)).superblock().dataOffset() * 512;
            byte[] first;
            try (RandomAccessFile f = new RandomAccessFile(m.get(0).toFile(), "r")) {
                first = new byte[(int) Files.size(out)];
                f.seek(at);
                f.readFully(first);
            }
            assertArrayEquals(first, Files.readAllBytes(out), "the export reads the first member's data");

            // Real clients see the flag and refuse: nbdcopy in, qemu-io opened read-write or read-only.
            External.Run copyIn = External.run("nbdcopy", in.toString(), a.uri());
            assertNotEquals(0, copyIn.rc());
            assertTrue(copyIn.err().contains("read-only"), copyIn.err());
            External.Run q = External.run("qemu-io", "-f", "raw", "-c", "write -P 0xab 0 64k", a.uri());
            assertNotEquals(0, q.rc(), q.out());
            External.Run qr = External.run("qemu-io", "-f", "raw", "-r", "-c", "write -P 0xab 0 64k", a.uri());
            assertTrue(qr.rc() != 0 || (qr.out() + qr.err()).contains("read-only"), qr.out() + qr.err());
            // A client that writes regardless of the flag: EPERM from the server, data unchanged.
            assertEquals(1, rawWrite(a.socket, 4096, 8192), "EPERM");

            String detail = a.detail();
            assertTrue(detail.contains("State : active, read-only, resync=PENDING"), detail);
            assertTrue(detail.contains("resync=PENDING\n"), detail);
            assertFalse(detail.contains("resync ="), "no resync runs: " + detail);
            Cli.Result add = Cli.run("manage", "--control=" + a.control, "--add", dir.resolve("in.bin").toString());
            assertEquals(1, add.rc());
            assertEquals("bitmirror: " + in + ": cannot add: array " + name(detail) + " is read-only\n", add.err());
            Cli.Result reAdd = Cli.run("manage", "--control=" + a.control, "--re-add", m.get(1).toString());
            assertEquals(1, reAdd.rc());
            assertTrue(reAdd.err().endsWith("is read-only\n"), reAdd.err());
            Cli.Result check = Cli.run("manage", "--control=" + a.control, "--action=check");
            assertEquals("bitmirror: check refused: array " + name(detail) + " is read-only\n", check.err());
            // The read-only array's shared lock still keeps zero-superblock off its members.
            Cli.Result zero = Cli.run("zero-superblock", m.get(0).toString());
            assertEquals(1, zero.rc());
            assertTrue(zero.err().contains("in use by a running array"), zero.err());
            assertEquals(before, hashes(m), "a member changed while the read-only array ran");

            Cli.Result stop = Cli.run("stop", "--control=" + a.control);
            assertEquals(0, stop.rc(), stop.err());
            assertTrue(stop.out().endsWith(": stopped (read-only: nothing was written)\n"), stop.out());
            assertTrue(a.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, a.process.exitValue(), a.output());
            LogLines.assertAllFormatted(a.output());
            assertTrue(a.output().contains("assembled read-only; not stopped cleanly: resync=PENDING"), a.output());
        }
        assertEquals(before, hashes(m), "a member changed at stop of the read-only array");
        for (Path p : m) {
            String e = External.run("mdadm", "--examine", p.toString()).out();
            assertTrue(e.contains("State : active"), "still not clean: " + e);
        }
        Cli.Result both = Cli.run("assemble", "--readonly", "--rebuild-bitmap", m.get(0).toString());
        assertEquals(2, both.rc());
        assertEquals("bitmirror: --rebuild-bitmap rewrites the bitmap file: not with --readonly\n", both.err());
    }

    private static String name(String detail) {
        return detail.replaceAll("(?s).*\\n\\s*Name : (\\S+)\\n.*", "$1");
    }

    /** One NBD_CMD_WRITE of {@code length} bytes by a raw client; returns the reply's error. */
    static int rawWrite(Path socket, long offset, int length) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            readFully(c, 18);
            c.write(ByteBuffer.allocate(4).putInt(1 | 2).flip());
            c.write(ByteBuffer.allocate(22).putLong(0x49484156454F5054L).putInt(7).putInt(6).putInt(0)
                    .putShort((short) 0).flip());
            while (true) {
                ByteBuffer h = readFully(c, 20);
                h.getLong();
                h.getInt();
                int type = h.getInt();
                readFully(c, h.getInt());
                if (type == 1) {
                    break;
                }
                assertTrue(type > 0, "option error " + type);
            }
            ByteBuffer r = ByteBuffer.allocate(28 + length);
            r.putInt(0x25609513).putShort((short) 0).putShort((short) 1).putLong(42).putLong(offset).putInt(length);
            r.put(new byte[length]).flip();
            while (r.hasRemaining()) {
                c.write(r);
            }
            ByteBuffer reply = readFully(c, 16);
            assertEquals(0x67446698, reply.getInt());
            int err = reply.getInt();
            assertEquals(42, reply.getLong());
            return err;
        }
    }

    private static ByteBuffer readFully(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("server closed the connection");
            }
        }
        return b.flip();
    }
}
