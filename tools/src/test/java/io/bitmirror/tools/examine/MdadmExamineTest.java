package io.bitmirror.tools.examine;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real mdadm reads what {@code bitmirror create} writes, and {@code bitmirror examine} says the same. */
@ExtendWith(UtcTimeZone.class)
class MdadmExamineTest {
    @TempDir
    Path dir;

    static List<Path> members(Path dir, int n, long... sizes) throws Exception {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path p = dir.resolve("member" + i + ".img");
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(sizes[Math.min(i, sizes.length - 1)]);
            }
            out.add(p);
        }
        return out;
    }

    /** The lines of the form "Key : value", trimmed, in order. */
    static List<String> keyValueLines(String text) {
        List<String> kv = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.contains(" : ")) {
                kv.add(line.trim());
            }
        }
        return kv;
    }

    static String rawSetUuid(Path member) throws Exception {
        try (FileChannel ch = FileChannel.open(member, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, 4096 + 16);
            String hex = HexFormat.of().formatHex(b.array());
            return hex.substring(0, 8) + ":" + hex.substring(8, 16) + ":" + hex.substring(16, 24) + ":"
                    + hex.substring(24);
        }
    }

    @ParameterizedTest(name = "{0} members")
    @ValueSource(ints = {2, 3})
    void mdadmExamineReadsEveryMemberAndAgreesWithBitmirrorExamine(int n) throws Exception {
        External.requireTool("mdadm");
        // Members of different sizes: the array uses the smallest, so "Used Dev Size" appears too.
        List<Path> m = members(dir, n, 64L << 20, 80L << 20);
        List<String> args = new ArrayList<>(List.of("create", "--level=1", "--raid-devices=" + n, "--name=compat"));
        for (Path p : m) {
            args.add(p.toString());
        }
        Cli.Result created = Cli.run(args.toArray(new String[0]));
        assertEquals(0, created.rc(), created.err());
        String uuid = rawSetUuid(m.get(0));
        for (int slot = 0; slot < n; slot++) {
            Path p = m.get(slot);
            External.Run md = External.run(Map.of("TZ", "UTC"), "mdadm", "--examine", p.toString());
            assertEquals(0, md.rc(), "mdadm --examine " + p + ": " + md.err());
            String text = md.out();
            assertTrue(text.contains("     Raid Level : raid1\n"), text);
            assertTrue(text.matches("(?s).*\\n {7}Checksum : [0-9a-f]+ - correct\\n.*"), text);
            assertTrue(text.contains("     Array UUID : " + uuid + "\n"), text);
            assertTrue(text.contains("   Device Role : Active device " + slot + "\n"), text);
            assertTrue(text.contains("Internal Bitmap : 8 sectors from superblock\n"), text);
            assertTrue(text.contains("   Raid Devices : " + n + "\n"), text);
            assertTrue(text.contains("   Array State : " + "A".repeat(n) + " "), text);

            Cli.Result ours = Cli.run("examine", p.toString());
            assertEquals(0, ours.rc(), ours.err());
            assertEquals("", ours.err());
            List<String> want = keyValueLines(text);
            List<String> got = keyValueLines(ours.out());
            assertTrue(want.size() >= 20, "mdadm printed " + want.size() + " key : value lines");
            assertEquals(want, got, "every Key : value line of mdadm --examine");
            // Same layout too: blank lines, order and alignment.
            assertEquals(text, ours.out());
        }
    }
}
