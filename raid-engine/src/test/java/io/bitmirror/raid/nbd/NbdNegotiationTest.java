package io.bitmirror.raid.nbd;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.metadata.TestArrays;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The negotiated parts of the protocol, byte by byte: structured replies (data, none and error
 * chunks), meta contexts and BLOCK_STATUS (REQ_ONE, no context, ranges), what error replies
 * echo of a client's export name, and the connection and handshake limits.
 */
class NbdNegotiationTest {
    @TempDir
    Path dir;

    private RaidArray array;
    private NbdServer server;
    private Path sock;

    @BeforeEach
    void start() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 48L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).name("neg").homehost("h").assumeClean(true).devices(m)
                .build()).write();
        array = RaidArray.assemble(AssembleOptions.builder(m).build());
        sock = dir.resolve("s.sock");
    }

    private void serve(NbdOptions o) throws IOException {
        server = NbdServer.start(array, "neg", NbdUri.unix(sock), false, o);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        array.stop();
    }

    @Test
    void structuredRepliesCarryDataNoneAndErrorChunks() throws Exception {
        serve(NbdOptions.defaults(Dispatch.AUTO));
        try (RawNbdClient c = new RawNbdClient(sock).structuredHandshake(false)) {
            assertNotEquals(0, c.transmissionFlags & Nbd.TFLAG_SEND_DF, "DF offered with structured replies");
            byte[] d = new byte[4096];
            new Random(1).nextBytes(d);
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_WRITE, 0, 7, 12288, d.length);
            c.write(ByteBuffer.wrap(d));
            RawNbdClient.Chunk w = c.chunk();
            assertEquals(List.of(Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_NONE, 7L, 0),
                    List.of(w.flags(), w.type(), w.cookie(), w.payload().remaining()));

            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_READ, 0, 8, 12288, 4096);
            RawNbdClient.Chunk r = c.chunk();
            assertEquals(Nbd.REPLY_TYPE_OFFSET_DATA, r.type());
            assertEquals(Nbd.REPLY_FLAG_DONE, r.flags());
            assertEquals(12288, r.payload().getLong());
            byte[] back = new byte[4096];
            r.payload().get(back);
            assertArrayEquals(d, back);

            // A read larger than a slot: still one data chunk (DF holds), its data in pieces.
            int big = 4 << 20;
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_READ, Nbd.CMD_FLAG_DF, 9, 0, big);
            RawNbdClient.Chunk l = c.chunk();
            assertEquals(Nbd.REPLY_TYPE_OFFSET_DATA, l.type());
            assertEquals(8 + big, l.payload().capacity());
            assertEquals(0, l.payload().getLong());
            byte[] lb = new byte[4096];
            l.payload().position(8 + 12288);
            l.payload().get(lb);
            assertArrayEquals(d, lb);

            // Past the end: an ERROR chunk with the errno and a message.
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_READ, 0, 10, c.size, 4096);
            RawNbdClient.Chunk e = c.chunk();
            assertEquals(Nbd.REPLY_TYPE_ERROR, e.type());
            assertEquals(Nbd.REPLY_FLAG_DONE, e.flags());
            assertEquals(10, e.cookie());
            assertEquals(Nbd.EINVAL, e.payload().getInt());
            int ml = e.payload().getShort();
            byte[] msg = new byte[ml];
            e.payload().get(msg);
            assertTrue(ml > 0 && e.payload().remaining() == 0, new String(msg, StandardCharsets.UTF_8));
        }
        // A client that does not negotiate still gets simple replies.
        try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
            assertEquals(0, c.transmissionFlags & Nbd.TFLAG_SEND_DF);
            assertEquals(4096, c.read(12288, 4096, 3).length);
        }
    }

    @Test
    void metaContextsAndBlockStatus() throws Exception {
        serve(NbdOptions.defaults(Dispatch.AUTO));
        try (RawNbdClient c = new RawNbdClient(sock).greet()) {
            // SET needs structured replies first.
            List<RawNbdClient.OptionReply> early = c.option(Nbd.OPT_SET_META_CONTEXT,
                    RawNbdClient.metaQuery("", Nbd.META_BASE_ALLOCATION));
            assertEquals(Nbd.REP_ERR_INVALID, early.get(0).type());
            // LIST with no query lists every context; "base:" every base one.
            for (ByteBuffer q : new ByteBuffer[] {RawNbdClient.metaQuery(""), RawNbdClient.metaQuery("neg", "base:")}) {
                List<RawNbdClient.OptionReply> l = c.option(Nbd.OPT_LIST_META_CONTEXT, q);
                assertEquals(2, l.size());
                assertEquals(Nbd.REP_META_CONTEXT, l.get(0).type());
                ByteBuffer p = l.get(0).data();
                assertEquals(Handshake.BASE_ALLOCATION_ID, p.getInt());
                assertEquals(Nbd.META_BASE_ALLOCATION, StandardCharsets.US_ASCII.decode(p).toString());
            }
            // An unknown query selects nothing; an unknown export is an error that quotes a short prefix.
            assertEquals(List.of(Nbd.REP_ACK), types(c.option(Nbd.OPT_LIST_META_CONTEXT,
                    RawNbdClient.metaQuery("", "qemu:dirty-bitmap:x"))));
            String longName = "x".repeat(60_000);
            List<RawNbdClient.OptionReply> unk = c.option(Nbd.OPT_LIST_META_CONTEXT, RawNbdClient.metaQuery(longName));
            assertEquals(Nbd.REP_ERR_UNKNOWN, unk.get(0).type());
            assertTrue(unk.get(0).data().remaining() < 120, unk.get(0).text());
            // A truncated query: invalid, the connection goes on.
            ByteBuffer bad = RawNbdClient.buf(12).putInt(0).putInt(1).putInt(99).flip();
            assertEquals(Nbd.REP_ERR_INVALID, c.option(Nbd.OPT_SET_META_CONTEXT, bad).get(0).type());
        }
        // BLOCK_STATUS without a selected context: EINVAL.
        try (RawNbdClient c = new RawNbdClient(sock).structuredHandshake(false)) {
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_BLOCK_STATUS, 0, 1, 0, 4096);
            RawNbdClient.Chunk e = c.chunk();
            assertEquals(Nbd.REPLY_TYPE_ERROR, e.type());
            assertEquals(Nbd.EINVAL, e.payload().getInt());
        }
        try (RawNbdClient c = new RawNbdClient(sock).structuredHandshake(true)) {
            byte[] d = new byte[8192];
            Arrays.fill(d, (byte) 0x5a);
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_WRITE, 0, 1, 1 << 20, d.length);
            c.write(ByteBuffer.wrap(d));
            assertEquals(Nbd.REPLY_TYPE_NONE, c.chunk().type());
            long[][] all = blockStatus(c, 0, 4 << 20, 0);
            assertArrayEquals(new long[][] {{1 << 20, 3}, {8192, 0}, {(3 << 20) - 8192, 3}}, all);
            // REQ_ONE: the first extent only.
            assertArrayEquals(new long[][] {{1 << 20, 3}}, blockStatus(c, 0, 4 << 20, Nbd.CMD_FLAG_REQ_ONE));
            assertArrayEquals(new long[][] {{8192, 0}}, blockStatus(c, 1 << 20, 4 << 20, Nbd.CMD_FLAG_REQ_ONE));
            // Extents never go past the request.
            assertArrayEquals(new long[][] {{4096, 0}}, blockStatus(c, (1 << 20) + 4096, 4096, 0));
            // Out of range: an error chunk.
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_BLOCK_STATUS, 0, 5, c.size, 4096);
            assertEquals(Nbd.REPLY_TYPE_ERROR, c.chunk().type());
        }
    }

    /**
     * A hole must be a hole on every in-sync member, since reads may come from any of them:
     * zeroes written into the second member's file behind the array's back (the bytes stay the
     * same, the file is now allocated there) make that range data. Checking only the first
     * member (the mutant this catches) would call it a hole.
     */
    @Test
    void aHoleMustBeAHoleOnEveryInSyncMember() throws Exception {
        serve(NbdOptions.defaults(Dispatch.AUTO));
        Path m1 = dir.resolve("m1.img");
        long dataOffset = io.bitmirror.raid.metadata.MetadataReader.read(m1).superblock().dataOffset() * 512;
        try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(m1,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.allocate(65536), dataOffset + (2 << 20));
            f.force(true);
        }
        try (RawNbdClient c = new RawNbdClient(sock).structuredHandshake(true)) {
            assertArrayEquals(new long[][] {{2 << 20, 3}, {65536, 0}, {(2 << 20) - 65536, 3}},
                    blockStatus(c, 0, 4 << 20, 0));
        }
    }

    private static List<Integer> types(List<RawNbdClient.OptionReply> r) {
        return r.stream().map(RawNbdClient.OptionReply::type).toList();
    }

    private static long[][] blockStatus(RawNbdClient c, long offset, long length, int flags) throws IOException {
        c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_BLOCK_STATUS, flags, 77, offset, length);
        RawNbdClient.Chunk s = c.chunk();
        assertEquals(Nbd.REPLY_TYPE_BLOCK_STATUS, s.type());
        assertEquals(Nbd.REPLY_FLAG_DONE, s.flags());
        ByteBuffer p = s.payload();
        assertEquals(Handshake.BASE_ALLOCATION_ID, p.getInt());
        long[][] e = new long[p.remaining() / 8][];
        for (int i = 0; i < e.length; i++) {
            e[i] = new long[] {Integer.toUnsignedLong(p.getInt()), p.getInt()};
        }
        return e;
    }

    @Test
    void goWithAHugeExportNameQuotesOnlyAPrefix() throws Exception {
        serve(NbdOptions.defaults(Dispatch.AUTO));
        try (RawNbdClient c = new RawNbdClient(sock).greet()) {
            byte[] name = "n".repeat(60_000).getBytes(StandardCharsets.US_ASCII);
            ByteBuffer go = RawNbdClient.buf(4 + name.length + 2).putInt(name.length).put(name).putShort((short) 0).flip();
            List<RawNbdClient.OptionReply> r = c.option(Nbd.OPT_GO, go);
            assertEquals(Nbd.REP_ERR_UNKNOWN, r.get(0).type());
            assertTrue(r.get(0).data().remaining() < 120, "echoed " + r.get(0).data().remaining() + " bytes");
            // The connection is still usable.
            assertEquals(array.sizeBytes(), c.go().size);
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAndSlotsComeBack() throws Exception {
        serve(NbdOptions.defaults(Dispatch.AUTO).withLimits(2, 60_000));
        RawNbdClient a = new RawNbdClient(sock).handshake();
        RawNbdClient b = new RawNbdClient(sock).greet();
        waitFor(() -> server.connections() == 2);
        try (RawNbdClient c = new RawNbdClient(sock)) {
            assertThrows(EOFException.class, () -> c.read(18), "the third connection is closed at accept");
        }
        a.close();
        b.close();
        waitFor(() -> server.connections() == 0);
        try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
            assertEquals(4096, c.read(0, 4096, 1).length);
        }
    }

    @Test
    void aHandshakeThatStallsIsClosedAtTheDeadline() throws Exception {
        serve(NbdOptions.defaults(Dispatch.AUTO).withLimits(8, 300));
        try (RawNbdClient idle = new RawNbdClient(sock)) {
            idle.read(18);
            long t0 = System.nanoTime();
            // Says nothing: the server closes it.
            assertTrue(idle.closedByServer());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 200 && ms < 5_000, ms + " ms");
            // A connection in transmission is not subject to the handshake deadline.
            try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
                Thread.sleep(700);
                assertEquals(4096, c.read(0, 4096, 1).length);
            }
        }
    }

    static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "condition not met within 10 s");
            Thread.sleep(10);
        }
    }
}
