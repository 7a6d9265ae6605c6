package io.bitmirror.faults;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.metadata.MetadataReader;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Small real arrays on files for the end-to-end fault tests. */
public final class TestArrays {
    public static final long MEMBER = 3L << 20;
    public static final long CHUNK = 64 << 10;

    private TestArrays() {
    }

    /** Two members, internal bitmap of 64 KiB chunks, --assume-clean. */
    public static List<Path> create(Path dir) throws Exception {
        List<Path> m = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path p = dir.resolve("m" + i + ".img");
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(MEMBER);
            }
            m.add(p);
        }
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(CHUNK).name("e2e").homehost("faults")
                .assumeClean(true).devices(m).build()).write();
        return m;
    }

    /** The data area of a member file. */
    public static byte[] dataArea(Path p) throws Exception {
        MemberMetadata md = MetadataReader.read(p);
        long off = md.superblock().dataOffset() * 512;
        long size = md.superblock().size() * 512;
        byte[] all = Files.readAllBytes(p);
        return Arrays.copyOfRange(all, (int) off, (int) (off + size));
    }

    /** Whether chunk {@code c}'s bit is set in the member's on-disk bitmap. */
    public static boolean bitSet(Path p, long c) throws Exception {
        MemberMetadata md = MetadataReader.read(p);
        return io.bitmirror.bitmap.format.BitmapBits.test(md.bitmap(), 256, c);
    }
}
