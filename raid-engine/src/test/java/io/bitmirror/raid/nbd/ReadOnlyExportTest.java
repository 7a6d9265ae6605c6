package io.bitmirror.raid.nbd;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.metadata.TestArrays;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export of a read-only array says NBD_FLAG_READ_ONLY and offers nothing that writes (FUA,
 * trim, write zeroes); a client that sends a write, trim or write-zeroes anyway gets EPERM (a
 * write's payload is read and dropped, so the connection goes on), reads and flushes work, and
 * the members are byte-identical afterwards.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReadOnlyExportTest {
    @TempDir
    Path dir;

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            md.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void writesTrimsAndWriteZeroesGetEpermOnAReadOnlyExport() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 16L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(64 << 10).name("ro").homehost("h")
                .assumeClean(true).devices(m).build()).write();
        byte[] known = new byte[8192];
        new SplittableRandom(3).nextBytes(known);
        try (RaidArray rw = RaidArray.assemble(AssembleOptions.of(m))) {
            rw.write(4096, ByteBuffer.wrap(known), true);
        }
        List<String> before = new ArrayList<>();
        for (Path p : m) {
            before.add(sha256(p));
        }
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).readOnly(true).build());
        Path sock = dir.resolve("ro.sock");
        NbdServer server = NbdServer.start(a, "ro", NbdUri.unix(sock), false);
        try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
            int f = c.transmissionFlags;
            assertEquals(Nbd.TFLAG_READ_ONLY, f & Nbd.TFLAG_READ_ONLY, "NBD_FLAG_READ_ONLY: 0x" + Integer.toHexString(f));
            assertEquals(0, f & (Nbd.TFLAG_SEND_TRIM | Nbd.TFLAG_SEND_WRITE_ZEROES | Nbd.TFLAG_SEND_FUA),
                    "nothing that writes is offered: 0x" + Integer.toHexString(f));
            assertArrayEquals(known, c.read(4096, known.length, 1));
            byte[] junk = new byte[4096];
            new SplittableRandom(4).nextBytes(junk);
            assertEquals(Nbd.EPERM, c.write(4096, junk, 2));
            // Larger than a slot and unaligned: refused whole, its payload skipped.
            byte[] big = new byte[(3 << 20) + 17];
            assertEquals(Nbd.EPERM, c.write(511, big, 3));
            // Past the end: still EPERM (read-only says it first).
            assertEquals(Nbd.EPERM, c.write(c.size, junk, 4));
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_TRIM, 0, 5, 0, 1 << 20);
            assertEquals(Nbd.EPERM, c.reply(5, null));
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_WRITE_ZEROES, 0, 6, 0, 1 << 20);
            assertEquals(Nbd.EPERM, c.reply(6, null));
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_FLUSH, 0, 7, 0, 0);
            assertEquals(0, c.reply(7, null));
            // The connection is still in step: the data is what it was.
            assertArrayEquals(known, c.read(4096, known.length, 8));
        } finally {
            server.stop();
            a.stop();
        }
        for (int i = 0; i < m.size(); i++) {
            assertEquals(before.get(i), sha256(m.get(i)), m.get(i) + " changed behind a read-only export");
        }
    }
}
