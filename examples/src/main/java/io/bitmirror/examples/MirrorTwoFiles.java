package io.bitmirror.examples;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.array.ArrayStatus;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.create.CreateSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Mirrors two files: creates two sparse member files, creates a RAID-1 array with md's on-disk
 * format on them, assembles it, writes a buffer and reads it back, prints the status and stops.
 *
 * <p>Run: {@code java -cp ... io.bitmirror.examples.MirrorTwoFiles [DIR]} (default: a new
 * temporary directory). Afterwards the two files are an md array {@code mdadm --examine} reads.
 */
public final class MirrorTwoFiles {
    /** Size of each member file (sparse: only what is written takes space). */
    public static final long MEMBER_BYTES = 16L << 20;
    /** Where the example writes, and how much: whole 4 KiB blocks, as a block device takes. */
    public static final long OFFSET = 1L << 20;
    public static final int LENGTH = 3 * RaidArray.BLOCK_SIZE;

    private MirrorTwoFiles() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("bitmirror-example");
        try {
            run(dir, System.out);
        } catch (ArrayException e) {
            // The one exception type of the array API; its message is one line for the user.
            System.err.println("bitmirror example: " + e.getMessage());
            System.exit(1);
        }
    }

    /** The example's work; returns the status it printed. */
    public static ArrayStatus run(Path dir, PrintStream out) throws IOException {
        Path a = dir.resolve("member-a.img");
        Path b = dir.resolve("member-b.img");
        for (Path p : new Path[] {a, b}) {
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(MEMBER_BYTES);
            }
        }

        // 1. Create: validate everything first (plan writes nothing), then write the superblocks.
        //    Fresh sparse files read as zeros on both sides, so they are already in sync.
        CreateSpec spec = CreateSpec.builder().devices(a, b).name("example").bitmap(BitmapMode.INTERNAL)
                .assumeClean(true).build();
        ArrayCreator.plan(spec).write();

        // 2. Assemble with md's defaults, a lower resync ceiling, and use it.
        AssembleOptions opts = AssembleOptions.builder(a, b).maxSpeedKiB(50_000).build();
        ArrayStatus status;
        try (RaidArray array = RaidArray.assemble(opts)) {
            // A heap buffer at an odd position: no alignment needed, the array copies through
            // its own aligned request slots.
            byte[] backing = new byte[LENGTH + 3];
            ByteBuffer data = ByteBuffer.wrap(backing, 3, LENGTH).slice();
            byte[] expected = pattern(LENGTH);
            data.put(expected).flip();
            array.write(OFFSET, data, false);
            array.flush(); // on both members' stable storage from here on

            ByteBuffer back = ByteBuffer.allocate(LENGTH);
            array.read(OFFSET, back);
            boolean same = Arrays.equals(expected, back.array());
            out.printf("wrote and read back %d bytes at %d: %s%n", LENGTH, OFFSET, same ? "identical" : "DIFFERENT");

            // A snapshot; "active" right after writes, "clean" after 200 ms idle (md's safe mode).
            status = array.status();
            out.printf("array %s (%s), %d bytes, state %s, sync %s%n", status.name(), status.uuid(),
                    status.sizeBytes(), status.state(), status.syncAction());
            for (ArrayStatus.Member m : status.members()) {
                out.printf("  slot %d: %s %s%n", m.slot(), m.device(), m.state());
            }
            if (!same) {
                throw new ArrayException("read back differs from what was written");
            }
        } // close() stops cleanly: superblocks marked clean, bitmap flushed
        out.println("stopped; members: " + a + " " + b);
        return status;
    }

    /** The bytes the example writes: a fixed, non-zero pattern. */
    public static byte[] pattern(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (i * 31 + 7);
        }
        return p;
    }
}
