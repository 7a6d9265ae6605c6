package io.bitmirror.bitmapfile;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each refusal, on the real thing, with the one-line message that names the reason. */
class RefusalTest {
    static final byte[] UUID = new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    @TempDir
    Path dir;

    static void assertOneLine(BitmapFileException e, Path file, String... parts) {
        String m = e.getMessage();
        System.err.println("refused: " + m);
        assertFalse(m.contains("\n"), m);
        assertTrue(m.startsWith("bitmap file " + file + ": "), m);
        for (String p : parts) {
            assertTrue(m.contains(p), "'" + p + "' missing in: " + m);
        }
    }

    @Test
    void tmpfs() throws Exception {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm) || !Files.isWritable(shm)) {
            Host.skip("/dev/shm is not a writable tmpfs here");
        }
        Path file = shm.resolve("bitmirror-test-" + ProcessHandle.current().pid() + ".bitmap");
        try {
            BitmapFileException e = assertThrows(BitmapFileException.class,
                    () -> ExternalBitmap.validateLocation(file, List.of()));
            assertOneLine(e, file, "on tmpfs (f_type 0x01021994)", "no stable block addresses", "ext2/3/4 or xfs");
            BitmapFileWriter.create(file, UUID, 1 << 20, 64 << 10, 5, true, false);
            e = assertThrows(BitmapFileException.class, () -> ExternalBitmap.register(file, UUID, dir.resolve("c")));
            assertOneLine(e, file, "tmpfs");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void sparseFile() throws Exception {
        try (LoopFs fs = LoopFs.ext4(dir, "sparse", 64L << 20, 4096)) {
            Path file = fs.file("bm");
            Host.run("truncate", "-s", "16K", file.toString()).ok();
            BitmapFileException e = assertThrows(BitmapFileException.class,
                    () -> ExternalBitmap.register(file, UUID, dir.resolve("c")));
            assertOneLine(e, file, "is sparse: a hole at bytes 0-16383");
            assertFalse(Files.exists(dir.resolve("c")), "nothing recorded");
        }
    }

    @Test
    void fallocatedFile() throws Exception {
        Host.requireTools("fallocate");
        try (LoopFs fs = LoopFs.ext4(dir, "falloc", 64L << 20, 4096)) {
            Path file = fs.file("bm");
            Host.run("fallocate", "-l", "16K", file.toString()).ok();
            BitmapFileException e = assertThrows(BitmapFileException.class,
                    () -> ExternalBitmap.register(file, UUID, dir.resolve("c")));
            assertOneLine(e, file, "unwritten extent (fallocated but never written)", "flags unwritten");
        }
    }

    @Test
    void reflinkedCopyOnXfs() throws Exception {
        try (LoopFs fs = LoopFs.xfs(dir, "reflink")) {
            Path orig = fs.file("orig");
            BitmapFileWriter.create(orig, UUID, 1 << 20, 64 << 10, 5, true, false);
            Path file = fs.file("bm");
            // xfs was made with reflink=1 and mounted: a failing reflink copy is a failure.
            Host.run("cp", "--reflink=always", orig.toString(), file.toString()).ok();
            BitmapFileException e = assertThrows(BitmapFileException.class,
                    () -> ExternalBitmap.register(file, UUID, dir.resolve("c")));
            assertOneLine(e, file, "shared extent (reflinked copy or snapshot)");
            // The original shares its blocks too: refused as well.
            e = assertThrows(BitmapFileException.class, () -> ExternalBitmap.register(orig, UUID, dir.resolve("c")));
            assertOneLine(e, orig, "shared extent");
        }
    }

    /** The filesystem's loop device is backed by a member's image file. */
    @Test
    void fileOnAMemberImage() throws Exception {
        try (LoopFs fs = LoopFs.ext4(dir, "member0", 64L << 20, 4096)) {
            Path file = fs.file("bm");
            Path other = dir.resolve("member1.img");
            Files.write(other, new byte[4096]);
            BitmapFileException e = assertThrows(BitmapFileException.class,
                    () -> ExternalBitmap.validateLocation(file, List.of(other, fs.image())));
            assertOneLine(e, file, "backed by " + fs.image(), "which is member " + fs.image());
            BitmapFileWriter.create(file, UUID, 1 << 20, 64 << 10, 5, true, false);
            e = assertThrows(BitmapFileException.class,
                    () -> ExternalBitmap.open(file, UUID, List.of(fs.image()), dir.resolve("c"), true));
            assertOneLine(e, file, "member");
        }
    }

    /** The filesystem lives directly on a member block device. */
    @Test
    void fileOnAMemberDevice() throws Exception {
        try (LoopFs fs = LoopFs.ext4(dir, "member", 64L << 20, 4096)) {
            Path file = fs.file("bm");
            BitmapFileException e = assertThrows(BitmapFileException.class,
                    () -> ExternalBitmap.validateLocation(file, List.of(fs.loop())));
            assertOneLine(e, file, "lives on " + fs.loop().getFileName(), "which is a member of the array");
        }
    }

    @Test
    void fileSmallerThanTheBitmap() throws Exception {
        try (LoopFs fs = LoopFs.ext4(dir, "small", 64L << 20, 4096)) {
            Path file = fs.file("bm");
            Path conf = dir.resolve("c");
            // A bitmap for 100,000 chunks needs 12,756 bytes; cut the file to one page.
            BitmapFileWriter.create(file, UUID, 100_000L * 128, 64 << 10, 5, true, false);
            Host.run("truncate", "-s", "4096", file.toString()).ok();
            ExternalBitmap.register(file, UUID, conf);
            BitmapFileException e = assertThrows(BitmapFileException.class,
                    () -> ExternalBitmap.open(file, UUID, List.of(), conf, false));
            assertOneLine(e, file, "bitmap sync_size", "only 4096 are available");
        }
    }

    @Test
    void notRegisteredAndWrongUuid() throws Exception {
        try (LoopFs fs = LoopFs.ext4(dir, "unreg", 64L << 20, 4096)) {
            Path file = fs.file("bm");
            Path conf = dir.resolve("c");
            BitmapFileWriter.create(file, UUID, 1 << 20, 64 << 10, 5, true, false);
            BitmapFileException e = assertThrows(BitmapFileException.class,
                    () -> ExternalBitmap.open(file, UUID, List.of(), conf, false));
            assertOneLine(e, file, "is not registered for this array in " + conf);
            byte[] other = UUID.clone();
            other[0] = 99;
            ExternalBitmap.register(file, other, conf);
            e = assertThrows(BitmapFileException.class, () -> ExternalBitmap.open(file, other, List.of(), conf, false));
            assertOneLine(e, file, "bitmap uuid");
        }
    }
}
