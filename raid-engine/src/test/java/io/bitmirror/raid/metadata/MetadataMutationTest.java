package io.bitmirror.raid.metadata;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.superblock.Superblock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing of the metadata parsers: corrupted superblocks and bitmaps, with and
 * without a repaired checksum, and truncated devices. The parsers may accept or refuse, but may
 * only ever refuse with {@link MdFormatException}, and must not hang.
 */
class MetadataMutationTest {

    private static final int CASES = 12_000;
    /** Bytes of metadata at the start of a v1.2 member: superblock at 4 KiB, bitmap at 8 KiB. */
    private static final int HEAD = 16 * 1024;

    @TempDir
    Path dir;

    @Test
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
        int[] outcome = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int i = 0; i < CASES; i++) {
                long seed = base + i;
                SplittableRandom r = new SplittableRandom(seed);
                System.arraycopy(pristine, 0, raw, 0, HEAD);
                image.clear();
                String what = mutate(r, image);
                try {
                    MetadataReader.read(MetadataSource.of("m0", image));
                    outcome[0]++;
                } catch (MdFormatException e) {
                    assertNotNull(e.getMessage());
                    assertFalse(e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
                    outcome[1]++;
                } catch (Throwable t) {
                    fail("seed " + seed + " (replay with -Dseed=" + seed + "): " + what + " -> " + t, t);
                }
            }
        });
        System.out.printf("metadata mutation: %d cases, %d accepted, %d refused with MdFormatException%n", CASES,
                outcome[0], outcome[1]);
        assertEquals(CASES, outcome[0] + outcome[1]);
        assertTrue(outcome[1] > CASES / 2, "most mutations must be refused");
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
