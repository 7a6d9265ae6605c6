package io.bitmirror.raid.create;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrayCreatorTest {
    @TempDir
    Path dir;

    @Test
    void newMemberIsLaidOutAsMdadmDoesForMetadata12() throws IOException {
        List<Path> m = TestArrays.files(dir, 3, 64L << 20);
        ArrayCreator.Plan plan = TestArrays.create(m, BitmapMode.INTERNAL);
        for (int slot = 0; slot < 3; slot++) {
            MemberMetadata md = MetadataReader.read(m.get(slot));
            Superblock sb = md.superblock();
            assertEquals(8, sb.superOffset());
            assertEquals(8, sb.bitmapOffset());
            assertEquals(FeatureMap.BITMAP_OFFSET, sb.featureMap());
            assertEquals(2048, sb.dataOffset());
            assertEquals((64L << 20) / 512 - 2048, sb.dataSize());
            assertEquals(plan.sizeSectors(), sb.size());
            assertEquals(1, sb.level());
            assertEquals(3, sb.raidDisks());
            assertEquals(slot, sb.devNumber());
            assertEquals(slot, sb.role());
            assertEquals("host:test", sb.setName());
            assertArrayEquals(plan.uuid(), sb.setUuid());
            assertFalse(sb.isClean(), "a new array without --assume-clean needs a resync");
            BitmapSuperblock bsb = md.bitmapSuperblock();
            assertEquals(64 << 20, bsb.chunksize());
            assertEquals(sb.size(), bsb.syncSize());
            assertEquals(8, bsb.sectorsReserved());
            assertEquals(bsb.chunks(), BitmapBits.countDirty(md.bitmap(), 256, bsb.chunks()), "all dirty");
        }
        assertFalse(Arrays.equals(MetadataReader.read(m.get(0)).superblock().deviceUuid(),
                MetadataReader.read(m.get(1)).superblock().deviceUuid()));
    }

    @Test
    void assumeCleanStartsWithAClearBitmapAndACleanSuperblock() throws IOException {
        List<Path> m = TestArrays.files(dir, 2, 32L << 20);
        ArrayCreator.plan(TestArrays.spec(m, BitmapMode.INTERNAL, true)).write();
        MemberMetadata md = MetadataReader.read(m.get(1));
        assertTrue(md.superblock().isClean());
        assertEquals(0, BitmapBits.countDirty(md.bitmap(), 256, md.bitmapSuperblock().chunks()));
    }

    @Test
    void noBitmapMeansNoFeatureBit() throws IOException {
        List<Path> m = TestArrays.files(dir, 2, 32L << 20);
        TestArrays.create(m, BitmapMode.NONE);
        MemberMetadata md = MetadataReader.read(m.get(0));
        assertEquals(0, md.superblock().featureMap());
        assertNull(md.bitmap());
        assertEquals(2048, md.superblock().dataOffset());
    }

    @Test
    void bitmapRoomFollowsMdadm() {
        assertEquals(8, MemberLayout.bitmapRoom(2L * 1024 * 1024 * 2));
        assertEquals(128, MemberLayout.bitmapRoom(10L * 1024 * 1024 * 2));
        assertEquals(256, MemberLayout.bitmapRoom(300L * 1024 * 1024 * 2));
        assertEquals(2048, MemberLayout.forDevice(300L * 1024 * 1024 * 2, true).dataOffset());
    }

    private CreateSpec spec(int level, int n, List<Path> devs, long size, boolean force) {
        return CreateSpec.builder().level(level).raidDevices(n).name("t").homehost("h").sizeSectors(size).force(force)
                .devices(devs).build();
    }

    private static String digest(List<Path> files) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Path p : files) {
            md.update(Files.readAllBytes(p));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private void refused(CreateSpec spec, List<Path> files, String... fragments) throws Exception {
        String before = digest(files);
        ArrayException e = assertThrows(ArrayException.class, () -> ArrayCreator.plan(spec).write());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should contain '" + f + "'");
        }
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(before, digest(files), "nothing may be written when create is refused");
    }

    @Test
    void badRequestsAreRefusedBeforeAnythingIsWritten() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 16L << 20);
        refused(spec(5, 2, m, 0, false), m, "level 5");
        refused(spec(1, 1, m.subList(0, 1), 0, false), m, "raid-devices 1");
        refused(spec(1, 3, m, 0, false), m, "2 devices given", "--raid-devices=3");
        Path link = dir.resolve("link.img");
        Files.createSymbolicLink(link, m.get(0));
        refused(spec(1, 2, List.of(m.get(0), link), 0, false), List.of(m.get(0)), "given twice");
        refused(spec(1, 2, m, 65536, false), m, "size 32768K", "larger than");
        Path tiny = dir.resolve("tiny.img");
        try (RandomAccessFile f = new RandomAccessFile(tiny.toFile(), "rw")) {
            f.setLength(1L << 20);
        }
        List<Path> withTiny = new ArrayList<>(List.of(m.get(0), tiny));
        refused(spec(1, 2, withTiny, 0, false), withTiny, "tiny.img", "too small");
    }

    @Test
    void existingSignaturesNeedForce() throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 16L << 20);
        // An ext4 superblock magic at byte 1080 of the second member.
        try (RandomAccessFile f = new RandomAccessFile(m.get(1).toFile(), "rw")) {
            f.seek(1080);
            f.write(new byte[] {0x53, (byte) 0xef});
        }
        refused(spec(1, 2, m, 0, false), m, "m1.img", "ext2/3/4 filesystem", "--force");
        ArrayCreator.plan(spec(1, 2, m, 0, true)).write();
        // Now both hold md superblocks: a second create is refused too.
        refused(spec(1, 2, m, 0, false), m, "m0.img", "md v1.2 superblock");
        MemberMetadata md = MetadataReader.read(m.get(1));
        assertEquals(SuperblockLayout.MAGIC, md.superblock().magic());
    }
}
