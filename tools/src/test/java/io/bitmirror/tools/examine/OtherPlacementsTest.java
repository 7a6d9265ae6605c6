package io.bitmirror.tools.examine;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.array.ArrayStatus;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockVersion;
import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;
import io.bitmirror.tools.control.DetailFormatter;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Metadata 1.0 (superblock at the end) and 1.1 (at sector 0), made by moving a 1.2 member's
 * superblock and bitmap: bitmirror reads them, and mdadm and bitmirror examine them alike.
 */
@ExtendWith(UtcTimeZone.class)
class OtherPlacementsTest {
    @TempDir
    Path dir;

    private static final long BYTES = 48L << 20;
    private static final long SECTORS = BYTES / 512;

    private List<Path> array() throws Exception {
        List<Path> m = MdadmExamineTest.members(dir, 2, BYTES);
        assertEquals(0, Cli.run("create", "-l1", "-n2", m.get(0).toString(), m.get(1).toString()).rc());
        return m;
    }

    private Path member() throws Exception {
        return array().get(0);
    }

    /** Moves superblock and 4 KiB bitmap of a 1.2 member to the placement of {@code v}. */
    private static void move(Path p, SuperblockVersion v) throws Exception {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer sbBlock = ByteBuffer.allocate(4096);
            ByteBuffer bitmap = ByteBuffer.allocate(4096);
            ch.read(sbBlock, 8 * 512);
            ch.read(bitmap, 16 * 512);
            ch.write(ByteBuffer.allocate(8192), 8 * 512);
            Superblock sb = new Superblock().wrap(sbBlock, 0);
            long superOffset = v.superOffset(SECTORS);
            long bitmapAt;
            if (v == SuperblockVersion.V1_1) {
                sb.superOffset(superOffset).bitmapOffset(8);
                bitmapAt = superOffset + 8;
            } else {
                // 1.0: data from sector 0, bitmap in the 4 KiB just below the superblock.
                sb.superOffset(superOffset).bitmapOffset(-8).dataOffset(0).dataSize(superOffset - 8);
                bitmapAt = superOffset - 8;
            }
            sb.updateChecksum();
            sbBlock.clear();
            bitmap.clear();
            ch.write(bitmap, bitmapAt * 512);
            ch.write(sbBlock, superOffset * 512);
        }
    }

    private void check(SuperblockVersion v) throws Exception {
        Path p = member();
        move(p, v);
        MemberMetadata md = MetadataReader.read(p);
        assertEquals(v, md.version());
        assertNotNull(md.bitmap());
        Cli.Result ours = Cli.run("examine", p.toString());
        assertEquals(0, ours.rc(), ours.err());
        assertTrue(ours.out().contains("        Version : " + v.label() + "\n"), ours.out());
        if (External.onPath("mdadm")) {
            External.Run md2 = External.run(Map.of("TZ", "UTC"), "mdadm", "--examine", p.toString());
            assertEquals(0, md2.rc(), md2.err());
            assertEquals(md2.out(), ours.out());
        } else {
            External.requireTool("mdadm");
        }
    }

    @Test
    void version11() throws Exception {
        check(SuperblockVersion.V1_1);
    }

    @Test
    void version10() throws Exception {
        check(SuperblockVersion.V1_0);
    }

    /** detail names the placement the array was found at, not always 1.2. */
    @ParameterizedTest
    @EnumSource(SuperblockVersion.class)
    void detailShowsTheMetadataVersion(SuperblockVersion v) throws Exception {
        List<Path> m = array();
        if (v != SuperblockVersion.V1_2) {
            for (Path p : m) {
                move(p, v);
            }
        }
        RaidArray a = RaidArray.assemble(AssembleOptions.of(m));
        try {
            ArrayStatus st = a.status();
            assertEquals(v.label(), st.metadataVersion());
            String text = DetailFormatter.text(st, null);
            assertTrue(text.contains("           Version : " + v.label() + "\n"), text);
            assertEquals(v.label(), io.bitmirror.tools.control.DetailJson.of(st, null).path("metadataVersion").asText());
        } finally {
            a.stop();
        }
    }
}
