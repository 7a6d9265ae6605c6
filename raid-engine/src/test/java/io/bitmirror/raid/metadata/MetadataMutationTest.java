package io.bitmirror.raid.metadata;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing of the metadata parsers: corrupted superblocks and bitmaps, with and
 * without a repaired checksum, and truncated devices. The parsers may accept or refuse, but may
 * only ever refuse with {@link MdFormatException} naming the field, must not hang, and what they
 * accept must be safe to use (checked independently, {@link #unsafe}). Both outcomes must be common
 * and the refusals must come from the deep checks too, so the test cannot pass by refusing all.
 */
class MetadataMutationTest {

    private static final int CASES = 12_000;
    /** Bytes of metadata at the start of a v1.2 member: superblock at 4 KiB, bitmap at 8 KiB. */
    private static final int HEAD = 16 * 1024;

    @TempDir
    Path dir;

    @Test
    @Timeout(120) // the parsers must not hang or crawl: 12,000 cases take about a second
    void parsersOnlyEverThrowTheFormatException() throws Exception {
        List<Path> files = TestArrays.files(dir, 2, 4L << 20);
        TestArrays.create(files, BitmapMode.INTERNAL);
        byte[] raw = Files.readAllBytes(files.get(0));
        ByteBuffer image = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        byte[] pristine = new byte[HEAD];
        System.arraycopy(raw, 0, pristine, 0, HEAD);
        // The unmutated member is valid.
        MetadataReader.read(MetadataSource.of("m0", image));

        long base = Seeds.base(20261121L);
        int accepted = 0;
        int refused = 0;
        // Which check refused, by the field it names: the mutations must reach the deep checks
        // (geometry, bitmap), not only the magic and the checksum.
        Map<String, Integer> refusedBy = new TreeMap<>();
        for (int i = 0; i < CASES; i++) {
            long seed = base + i;
            SplittableRandom r = new SplittableRandom(seed);
            System.arraycopy(pristine, 0, raw, 0, HEAD);
            image.clear();
            String what = mutate(r, image);
            String replay = "seed " + seed + " (replay with -Dseed=" + seed + "): " + what;
            MemberMetadata md;
            try {
                md = MetadataReader.read(MetadataSource.of("m0", image));
            } catch (MdFormatException e) {
                String m = e.getMessage();
                assertNotNull(m, replay);
                assertFalse(m.contains("\n"), "one-line message: " + m);
                assertTrue(e.field() != null && !e.field().isBlank() && m.startsWith(e.field() + " "),
                        replay + ": the message names the field first: field=" + e.field() + ", message=" + m);
                refusedBy.merge(e.field(), 1, Integer::sum);
                refused++;
                continue;
            } catch (Throwable t) {
                throw new AssertionError(replay + " -> " + t, t);
            }
            // Accepted: then everything the array will rely on must hold for these bytes.
            String unsafe = unsafe(md, image.limit());
            assertNull(unsafe, () -> replay + ": accepted, but " + unsafe);
            accepted++;
        }
        System.out.printf("metadata mutation: %d cases, %d accepted (each checked safe), %d refused with "
                + "MdFormatException, by field %s%n", CASES, accepted, refused, refusedBy);
        // Both outcomes must be common, or the test says nothing: a reader that refuses
        // everything, or a mutator that never breaks anything, fails here.
        assertTrue(refused > CASES / 2, "most mutations must be refused: " + refused);
        assertTrue(accepted > CASES / 50, "harmless mutations (unused bytes, same values) must be accepted: "
                + accepted);
        for (String field : List.of("magic", "sb_csum", "data_offset", "data_size", "super_offset", "max_dev",
                "bitmap magic", "bitmap chunksize", "bitmap sync_size", "bitmap uuid")) {
            assertTrue(refusedBy.containsKey(field), "no mutation reached the '" + field + "' check: " + refusedBy);
        }
    }

    /**
     * Why accepted metadata would be unsafe to use, or null: checked here from the format's
     * facts, not by calling the validator. A check dropped from the reader lets a mutation
     * through that fails one of these.
     */
    static String unsafe(MemberMetadata md, long deviceBytes) {
        Superblock sb = md.superblock();
        long deviceSectors = deviceBytes / 512;
        if (sb.magic() != 0xa92b4efc) {
            return "magic " + Integer.toHexString(sb.magic());
        }
        int maxDev = sb.maxDev();
        if (maxDev < 0 || SuperblockLayout.length(maxDev) > SuperblockLayout.BLOCK) {
            return "max_dev " + maxDev + " does not fit the 4 KiB block";
        }
        if (sb.sbCsum() != sb.computeChecksum()) {
            return "sb_csum " + Integer.toHexString(sb.sbCsum()) + " != computed "
                    + Integer.toHexString(sb.computeChecksum());
        }
        long superOffset = sb.superOffset();
        if (superOffset != md.version().superOffset(deviceSectors)) {
            return "super_offset " + superOffset + " is not where " + md.version() + " puts it";
        }
        long superEnd = superOffset + (SuperblockLayout.length(maxDev) + 511) / 512;
        long dataStart = sb.dataOffset();
        long dataSize = sb.dataSize();
        if (dataStart < 0 || dataSize <= 0 || dataSize > deviceSectors || dataStart > deviceSectors - dataSize) {
            return "data [" + dataStart + ", +" + dataSize + ") is not inside the device of " + deviceSectors
                    + " sectors";
        }
        long dataEnd = dataStart + dataSize;
        if (Long.compareUnsigned(sb.size(), dataSize) > 0) {
            return "size " + Long.toUnsignedString(sb.size()) + " > data_size " + dataSize;
        }
        if (overlap(superOffset, superEnd, dataStart, dataEnd)) {
            return "data [" + dataStart + ", " + dataEnd + ") overlaps the superblock at " + superOffset;
        }
        if (sb.devNumber() < 0 || sb.devNumber() >= maxDev || sb.raidDisks() < 0 || sb.raidDisks() > maxDev) {
            return "dev_number " + sb.devNumber() + " / raid_disks " + sb.raidDisks() + " vs max_dev " + maxDev;
        }
        if (md.bitmap() == null) {
            return sb.hasFeature(FeatureMap.BITMAP_OFFSET) ? "bitmap feature set but no bitmap read" : null;
        }
        BitmapSuperblock bsb = md.bitmapSuperblock();
        long bmStart = superOffset + sb.bitmapOffset();
        long bmEnd = bmStart + md.bitmap().capacity() / 512;
        if (bsb.magic() != 0x6d746962) {
            return "bitmap magic " + Integer.toHexString(bsb.magic());
        }
        if (bmStart < 0 || bmEnd > deviceSectors) {
            return "bitmap [" + bmStart + ", " + bmEnd + ") is not inside the device";
        }
        if (overlap(bmStart, bmEnd, dataStart, dataEnd) || overlap(bmStart, bmEnd, superOffset, superEnd)) {
            return "bitmap [" + bmStart + ", " + bmEnd + ") overlaps the data or the superblock";
        }
        int chunk = bsb.chunksize();
        if (chunk < 512 || Integer.bitCount(chunk) != 1) {
            return "bitmap chunksize " + chunk;
        }
        if (bsb.syncSize() < 0 || bsb.syncSize() > dataSize) {
            return "bitmap sync_size " + bsb.syncSize() + " vs data_size " + dataSize;
        }
        if (bsb.chunks() * (chunk / 512) < bsb.syncSize()) {
            return bsb.chunks() + " chunks of " + chunk + " bytes do not cover sync_size " + bsb.syncSize();
        }
        if (md.bitmap().capacity() < 256 + (bsb.chunks() + 7) / 8) {
            return "the bitmap read (" + md.bitmap().capacity() + " bytes) does not hold its " + bsb.chunks()
                    + " bits";
        }
        byte[] uuid = new byte[16];
        bsb.getUuid(uuid);
        if (!Arrays.equals(uuid, sb.setUuid())) {
            return "bitmap uuid differs from the array's";
        }
        return null;
    }

    private static boolean overlap(long a0, long a1, long b0, long b1) {
        return a0 < b1 && b0 < a1;
    }

    /** Applies one random corruption; returns a description for the failure message. */
    private static String mutate(SplittableRandom r, ByteBuffer image) {
        int kind = r.nextInt(6);
        Superblock sb = new Superblock().wrap(image, 4096);
        switch (kind) {
            case 0: { // random bytes in the superblock, checksum left wrong
                int n = 1 + r.nextInt(8);
                for (int k = 0; k < n; k++) {
                    image.put(4096 + r.nextInt(1024), (byte) r.nextInt(256));
                }
                return "superblock bytes x" + n;
            }
            case 1: { // random bytes in the superblock, checksum repaired: reaches deeper checks
                int n = 1 + r.nextInt(4);
                for (int k = 0; k < n; k++) {
                    image.put(4096 + r.nextInt(256), (byte) r.nextInt(256));
                }
                sb.updateChecksumIfPlausible();
                return "superblock bytes x" + n + " + checksum";
            }
            case 2: { // a whole field set to an extreme value, checksum repaired
                int off = 8 * r.nextInt(32);
                long v = pick(r);
                if (r.nextBoolean()) {
                    image.putLong(4096 + off, v);
                } else {
                    image.putInt(4096 + off + 4 * r.nextInt(2), (int) v);
                }
                sb.updateChecksumIfPlausible();
                return "superblock field at " + off + " = " + v;
            }
            case 3: { // bitmap superblock fields
                int off = 4 * r.nextInt(20);
                image.putInt(8192 + off, (int) pick(r));
                return "bitmap field at " + off;
            }
            case 4: { // random bytes anywhere in the metadata area
                int n = 1 + r.nextInt(16);
                for (int k = 0; k < n; k++) {
                    image.put(r.nextInt(HEAD), (byte) r.nextInt(256));
                }
                sb.updateChecksumIfPlausible();
                return "metadata bytes x" + n;
            }
            default: { // a truncated device
                int limit = r.nextInt(image.capacity());
                image.limit(limit);
                return "device truncated to " + limit;
            }
        }
    }

    private static long pick(SplittableRandom r) {
        switch (r.nextInt(7)) {
            case 0: return 0;
            case 1: return -1;
            case 2: return Long.MAX_VALUE;
            case 3: return Integer.MAX_VALUE;
            case 4: return Integer.MIN_VALUE;
            case 5: return r.nextInt(1 << 16);
            default: return r.nextLong();
        }
    }
}
