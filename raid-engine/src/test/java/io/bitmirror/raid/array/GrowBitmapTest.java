package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;
import io.bitmirror.testsupport.Requirements;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grow --bitmap} on a running array, read back by the real mdadm: after grow to internal
 * with a 4 MiB chunk {@code mdadm -E} shows the internal bitmap and {@code mdadm -X} the chunk and,
 * after writes and idle time, 0 dirty; after grow to none {@code mdadm -E} shows no bitmap; writes
 * after each grow are on both members; an external file likewise with {@code mdadm -X} on it; and
 * the refusals (already present, none to remove, a chunk that does not fit) write nothing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GrowBitmapTest {
    private static final long MEMBER = 64L << 20;
    private static final long CHUNK = 4L << 20;

    @TempDir
    Path dir;

    private final Random random = new Random(7);

    @Test
    void internalThenNoneAsMdadmSeesIt() throws Exception {
        Requirements.requireTools("mdadm", "losetup");
        Requirements.requireLoopDevices();
        List<Path> m = TestArrays.files(dir, 2, MEMBER);
        ArrayCreator.plan(TestArrays.spec(m, BitmapMode.NONE, true)).write();
        assertFalse(mdadm("-E", m.get(0)).contains("Internal Bitmap"), "created without a bitmap");
        try (RaidArray a = assemble(m)) {
            write(a, m, 0, 3 * 4096 + 17);
            assertEquals("added an internal bitmap to test: chunk 4096K, 16 chunks",
                    a.growBitmap(BitmapChange.internal(CHUNK)).replace("host:test", "test"));
            String e = mdadm("-E", m.get(0));
            assertTrue(e.contains("Internal Bitmap : 8 sectors from superblock"), e);
            String x = mdadm("-X", m.get(0));
            assertTrue(x.contains("Chunksize : 4 MB"), x);
            // W3, read in this order (safe mode may bump both meanwhile): the bitmap read second
            // is never older than the superblock read first.
            assertTrue(events(x) >= events(e), "bitmap events " + events(x) + " < superblock's " + events(e));
            // Writes after the grow: on both members, and their chunks dirty until idle.
            write(a, m, 9L << 20, 8192);
            write(a, m, 33L << 20, 100);
            a.flush();
            assertTrue(awaitDirty(m.get(0), 0), "0 dirty after idle: " + mdadm("-X", m.get(0)));
            assertTrue(awaitDirty(m.get(1), 0), "0 dirty after idle: " + mdadm("-X", m.get(1)));
            assertEquals(16, a.status().bitmapChunks());

            ArrayException twice = assertThrows(ArrayException.class, () -> a.growBitmap(BitmapChange.internal(0)));
            assertEquals("grow refused: array host:test already has an internal bitmap; remove it first with "
                    + "--bitmap=none", twice.getMessage());

            assertEquals("removed the internal bitmap of host:test", a.growBitmap(BitmapChange.none()));
            assertFalse(mdadm("-E", m.get(0)).contains("Internal Bitmap"), mdadm("-E", m.get(0)));
            assertFalse(mdadm("-E", m.get(1)).contains("Internal Bitmap"));
            assertEquals(0, a.status().bitmapChunks());
            write(a, m, 5L << 20, 4096 * 3);
            ArrayException none = assertThrows(ArrayException.class, () -> a.growBitmap(BitmapChange.none()));
            assertEquals("grow refused: array host:test has no bitmap to remove", none.getMessage());

            // Again with mdadm's default chunk: the smallest from 64 MiB up that fits (one chunk here).
            assertTrue(a.growBitmap(BitmapChange.internal(0)).contains("chunk 65536K"));
            write(a, m, 1L << 20, 4096);
        }
        // It stays across a stop and a new assembly: the superblocks say so.
        try (RaidArray a = assemble(m)) {
            assertEquals(64L << 20, a.status().bitmapChunkBytes());
            write(a, m, 2L << 20, 4096);
        }
        assertTrue(mdadm("-E", m.get(0)).contains("Internal Bitmap : 8 sectors from superblock"));
    }

    @Test
    void chunkThatDoesNotFitIsRefusedBeforeAnythingIsWritten() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 40L << 30);
        ArrayCreator.plan(TestArrays.spec(m, BitmapMode.NONE, true)).write();
        try (RaidArray a = assemble(m)) {
            byte[] before = head(m.get(0));
            ArrayException e = assertThrows(ArrayException.class, () -> a.growBitmap(BitmapChange.internal(4096)));
            assertTrue(e.getMessage().startsWith("grow refused: bitmap-chunk 4K: the bitmap would need "), e.getMessage());
            assertTrue(e.getMessage().endsWith("between the superblock and the data; choose a larger chunk"));
            assertArrayEquals(before, head(m.get(0)), "nothing written");
        }
    }

    @Test
    void externalFileThenNone() throws Exception {
        Requirements.requireTools("mdadm");
        List<Path> m = TestArrays.files(dir, 2, MEMBER);
        ArrayCreator.plan(TestArrays.spec(m, BitmapMode.NONE, true)).write();
        Path file = dir.resolve("grow.bitmap");
        try (RaidArray a = assemble(m)) {
            write(a, m, 0, 4096);
            String said = a.growBitmap(BitmapChange.file(CHUNK, (uuid, sectors, chunk) -> FileStore.create(file,
                    BitmapGeometry.totalBytes(BitmapGeometry.chunks(sectors, chunk))), file.toString()));
            assertTrue(said.startsWith("added bitmap file " + file), said);
            String x = mdadm("-X", file);
            assertTrue(x.contains("Chunksize : 4 MB"), x);
            assertFalse(mdadm("-E", m.get(0)).contains("Internal Bitmap"), "an external bitmap is not in the superblock");
            write(a, m, 12L << 20, 4096);
            a.flush();
            // Read first: a superblock write in progress may have counted the next events already.
            long sbEvents = a.status().events();
            assertTrue(events(mdadm("-X", file)) >= sbEvents - 1, mdadm("-X", file));
            assertEquals("removed the external bitmap of host:test", a.growBitmap(BitmapChange.none()));
            write(a, m, 13L << 20, 4096);
        }
    }

    @Test
    void readOnlyIsRefused() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, MEMBER);
        ArrayCreator.plan(TestArrays.spec(m, BitmapMode.NONE, true)).write();
        try (RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).run(true).readOnly(true).build())) {
            ArrayException e = assertThrows(ArrayException.class, () -> a.growBitmap(BitmapChange.internal(0)));
            assertEquals("grow refused: array host:test is read-only", e.getMessage());
        }
    }

    /**
     * Changed-block bitmaps ride on the write-intent engine grow replaces: refused (one line,
     * the bitmap untouched) while one exists, allowed once it is stopped.
     */
    @Test
    void refusedWhileChangedBlocksAreTracked() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, MEMBER);
        ArrayCreator.plan(TestArrays.spec(m, BitmapMode.INTERNAL, true)).write();
        Path changes = dir.resolve("changes");
        try (RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).run(true).daemonSleepMillis(50)
                .safeModeMillis(100).changesDir(changes).build())) {
            a.changes().track("b1");
            ArrayException e = assertThrows(ArrayException.class, () -> a.growBitmap(BitmapChange.none()));
            assertEquals("grow refused: array host:test has changed-block bitmaps b1; --stop-tracking them first",
                    e.getMessage());
            assertEquals("internal", a.bitmapKind());
            write(a, m, 8L << 20, 4096);
            assertNotNull(a.changes().find("b1"), "still tracking");
            a.changes().stop("b1");
            assertEquals("removed the internal bitmap of host:test", a.growBitmap(BitmapChange.none()));
            assertEquals("none", a.bitmapKind());
        }
    }

    private static byte[] head(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            ch.read(b, 0);
            return b.array();
        }
    }

    private static RaidArray assemble(List<Path> m) throws ArrayException {
        return RaidArray.assemble(AssembleOptions.builder(m).run(true).daemonSleepMillis(50).safeModeMillis(100).build());
    }

    /** Writes random bytes and checks they are on both members' data areas. */
    private void write(RaidArray a, List<Path> m, long at, int n) throws Exception {
        byte[] data = new byte[n];
        random.nextBytes(data);
        a.write(at, ByteBuffer.wrap(data), true);
        for (Path p : m) {
            long dataOffset = MetadataReader.read(p).superblock().dataOffset() * 512;
            try (FileChannel ch = FileChannel.open(p)) {
                ByteBuffer b = ByteBuffer.allocate(n);
                ch.read(b, dataOffset + at);
                assertArrayEquals(data, b.array(), p.getFileName() + " at " + at);
            }
        }
    }

    private static long events(String mdadmOutput) {
        java.util.regex.Matcher mt = java.util.regex.Pattern.compile("\n ?Events : (\\d+)").matcher(mdadmOutput);
        assertTrue(mt.find(), mdadmOutput);
        return Long.parseLong(mt.group(1));
    }

    private static boolean awaitDirty(Path p, int want) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < end) {
            if (mdadm("-X", p).contains(" " + want + " dirty")) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /**
     * mdadm's output for {@code p}. {@code -X} of a member image goes through a read-only loop
     * device: on a regular file mdadm reads the file itself as a bitmap file.
     */
    private static String mdadm(String op, Path p) throws Exception {
        if (op.equals("-X") && !p.getFileName().toString().endsWith(".bitmap")) {
            String loop = run("losetup", "-r", "-f", "--show", p.toString()).trim();
            try {
                return run("mdadm", "-X", loop);
            } finally {
                run("losetup", "-d", loop);
            }
        }
        return run("mdadm", op, p.toString());
    }

    private static String run(String... cmd) throws Exception {
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        pr.waitFor();
        return out.replaceAll("[ \t]+", " ");
    }

    /** A plain file as a bitmap store (the bitmap-file module's real one resolves it with FIEMAP). */
    static final class FileStore implements BitmapStore {
        private final FileChannel ch;
        private final long size;

        private FileStore(FileChannel ch, long size) {
            this.ch = ch;
            this.size = size;
        }

        static FileStore create(Path f, long bytes) throws IOException {
            long size = (bytes + 4095) / 4096 * 4096;
            FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            ch.write(ByteBuffer.allocate((int) size), 0);
            return new FileStore(ch, size);
        }

        @Override public long sizeBytes() { return size; }

        @Override public void readPage(int page, ByteBuffer dst) throws IOException {
            ch.read(dst, (long) page * 4096);
        }

        @Override public void writePage(int page, ByteBuffer src, int length, PendingWrites pending) {
            pending.begin();
            boolean ok = true;
            try {
                ByteBuffer b = src.duplicate().position(0).limit(length);
                ch.write(b, (long) page * 4096);
            } catch (IOException e) {
                ok = false;
            }
            pending.end(ok);
        }

        @Override public void flush() throws IOException {
            ch.force(true);
        }

        @Override public void close() throws IOException {
            ch.close();
        }
    }
}
