package io.bitmirror.raid.nbd;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Misbehaving clients: each gets an error reply or a clean disconnect; the server keeps serving
 * a well-behaved connection opened before, and its data is intact; nothing is written outside
 * the export. Run with the reader running requests itself; {@link MalformedRequestWorkersTest}
 * runs the same cases with every request on a worker.
 */
class MalformedRequestTest {
    @TempDir
    Path dir;

    private RaidArray array;
    private NbdServer server;
    private Path sock;
    private RawNbdClient good;
    private final byte[] known = new byte[8192];
    private List<Path> members;
    /** Where each member's bytes past the data area start, and their SHA-256 before the test. */
    private final List<Long> tailStart = new ArrayList<>();
    private final List<byte[]> tailHash = new ArrayList<>();

    /** Who runs reads and writes in this run. */
    Dispatch dispatch() {
        return Dispatch.READER;
    }

    @BeforeEach
    void start() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 8L << 20);
        members = m;
        // A 6 MiB export on 8 MiB members: each member keeps about 2 MiB past its data area,
        // filled with a pattern here and hashed, so that the after-check compares contents.
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(64 << 10).name("nbdtest").homehost("h")
                .sizeSectors((6L << 20) / 512).assumeClean(true).devices(m).build()).write();
        SplittableRandom pattern = new SplittableRandom(7);
        for (Path p : m) {
            long start = MetadataReader.read(p).superblock().dataOffset() * 512 + (6L << 20);
            long len = Files.size(p) - start;
            assertTrue(len >= 1 << 20, "no room past the data area of " + p);
            byte[] fill = new byte[(int) len];
            pattern.nextBytes(fill);
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.seek(start);
                f.write(fill);
            }
            tailStart.add(start);
            tailHash.add(tailHash(p, start));
        }
        array = RaidArray.assemble(AssembleOptions.of(m));
        assertEquals(6L << 20, array.sizeBytes());
        sock = dir.resolve("a.sock");
        server = NbdServer.start(array, "nbdtest", NbdUri.unix(sock), false, dispatch());
        good = new RawNbdClient(sock).handshake();
        new SplittableRandom(1).nextBytes(known);
        assertEquals(0, good.write(4096, known, 1));
    }

    @AfterEach
    void stop() throws Exception {
        // The well-behaved client still works and its data is intact.
        assertArrayEquals(known, good.read(4096, known.length, 99));
        assertEquals(array.sizeBytes(), good.size);
        good.close();
        server.stop();
        array.stop();
        // The bytes past the export (past each member's data area) were never touched: same hash.
        for (int i = 0; i < members.size(); i++) {
            assertArrayEquals(tailHash.get(i), tailHash(members.get(i), tailStart.get(i)),
                    "bytes past the data area of " + members.get(i) + " changed");
        }
    }

    private static byte[] tailHash(Path p, long start) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            byte[] b = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(b);
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badMagicDisconnects() throws Exception {
        try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
            c.request(0x12345678, Nbd.CMD_READ, 0, 5, 0, 4096);
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void rangePastTheEndGetsAnError() throws Exception {
        try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_READ, 0, 6, c.size - 4096, 8192);
            assertEquals(Nbd.EINVAL, c.reply(6, null));
            byte[] payload = new byte[8192];
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_WRITE, 0, 7, c.size - 4096, payload.length);
            c.write(java.nio.ByteBuffer.wrap(payload));
            assertEquals(Nbd.ENOSPC, c.reply(7, null));
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_WRITE, 0, 8, Long.MAX_VALUE - 10, 4096);
            c.write(java.nio.ByteBuffer.wrap(new byte[4096]));
            assertEquals(Nbd.ENOSPC, c.reply(8, null));
            // The connection is still usable.
            assertArrayEquals(known, c.read(4096, known.length, 9));
        }
    }

    @Test
    void oversizeWriteDisconnectsOversizeReadIsRefused() throws Exception {
        try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_READ, 0, 10, 0, 0xF0000000L);
            assertEquals(Nbd.EINVAL, c.reply(10, null));
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_WRITE, 0, 11, 0, 0xF0000000L);
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void unknownCommandGetsEinval() throws Exception {
        try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
            c.request(Nbd.REQUEST_MAGIC, 77, 0, 12, 0, 0);
            assertEquals(Nbd.EINVAL, c.reply(12, null));
            assertArrayEquals(known, c.read(4096, known.length, 13));
        }
    }

    @Test
    void truncatedPayloadWritesNothing() throws Exception {
        try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_WRITE, 0, 14, 4096, 8192);
            c.write(java.nio.ByteBuffer.wrap(new byte[3000]));
        }
        // Disconnected in the middle of the payload: the known data must be untouched.
        Thread.sleep(100);
        assertArrayEquals(known, good.read(4096, known.length, 15));
    }

    @Test
    void unalignedWritesAreMergedNotLost() throws Exception {
        try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
            byte[] patch = {1, 2, 3, 4, 5};
            assertEquals(0, c.write(4096 + 4094, patch, 16));
            byte[] expect = known.clone();
            System.arraycopy(patch, 0, expect, 4094, patch.length);
            assertArrayEquals(expect, c.read(4096, known.length, 17));
            byte[] back = c.read(4096 + 4094, 5, 18);
            assertArrayEquals(patch, back);
            // Put the known bytes back for the after-check.
            assertEquals(0, c.write(4096, known, 19));
        }
    }

    @Test
    void optionsBeforeGo() throws Exception {
        try (RawNbdClient c = new RawNbdClient(sock)) {
            java.nio.ByteBuffer hello = c.read(18);
            assertEquals(Nbd.NBDMAGIC, hello.getLong());
            c.write(RawNbdClient.buf(4).putInt(Nbd.FLAG_C_FIXED_NEWSTYLE).flip());
            // Unknown option: NBD_REP_ERR_UNSUP, and the connection goes on.
            c.write(RawNbdClient.buf(16).putLong(Nbd.IHAVEOPT).putInt(99).putInt(0).flip());
            java.nio.ByteBuffer r = c.read(20);
            r.getLong();
            assertEquals(99, r.getInt());
            assertEquals(Nbd.REP_ERR_UNSUP, r.getInt());
            c.read(r.getInt());
            // INFO for a name that does not exist: NBD_REP_ERR_UNKNOWN.
            byte[] name = "nope".getBytes();
            java.nio.ByteBuffer info = RawNbdClient.buf(16 + 4 + name.length + 2);
            info.putLong(Nbd.IHAVEOPT).putInt(Nbd.OPT_INFO).putInt(4 + name.length + 2).putInt(name.length).put(name)
                    .putShort((short) 0);
            c.write(info.flip());
            r = c.read(20);
            r.getLong();
            r.getInt();
            assertEquals(Nbd.REP_ERR_UNKNOWN, r.getInt());
            c.read(r.getInt());
            // A bad option magic ends the handshake.
            c.write(RawNbdClient.buf(16).putLong(42).putInt(Nbd.OPT_GO).putInt(0).flip());
            assertTrue(c.closedByServer());
        }
    }
}
