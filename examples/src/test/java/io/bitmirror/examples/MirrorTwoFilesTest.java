package io.bitmirror.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitmirror.raid.array.ArrayStatus;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.MemberState;
import io.bitmirror.raid.array.RaidArray;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the example's main and checks what it left on the two files. */
class MirrorTwoFilesTest {
    @TempDir
    Path dir;

    @Test
    void mainMirrorsTheFilesAndLeavesACleanArray() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            MirrorTwoFiles.main(new String[] {dir.toString()});
        } finally {
            System.setOut(old);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        old.print(out);
        assertTrue(out.contains("read back " + MirrorTwoFiles.LENGTH + " bytes at " + MirrorTwoFiles.OFFSET
                + ": identical"), out);
        // "active" right after a write, "clean" once idle for safe mode's 200 ms: either is right.
        assertTrue(out.contains("state active") || out.contains("state clean"), out);
        assertTrue(out.contains("slot 0: " + dir.resolve("member-a.img") + " IN_SYNC"), out);
        assertTrue(out.contains("slot 1: " + dir.resolve("member-b.img") + " IN_SYNC"), out);
        assertTrue(out.contains("stopped"), out);

        // What the example wrote is on the members: assemble again, each member on its own too.
        Path a = dir.resolve("member-a.img");
        Path b = dir.resolve("member-b.img");
        try (RaidArray again = RaidArray.assemble(AssembleOptions.builder(a, b).build())) {
            ArrayStatus st = again.status();
            assertEquals("clean", st.state(), "the example stopped cleanly");
            assertEquals(2, st.members().size());
            for (ArrayStatus.Member m : st.members()) {
                assertEquals(MemberState.IN_SYNC, m.state(), m.toString());
            }
            assertArrayEquals(MirrorTwoFiles.pattern(MirrorTwoFiles.LENGTH), read(again));
        }
        for (Path only : new Path[] {a, b}) {
            try (RaidArray one = RaidArray.assemble(AssembleOptions.builder(only).run(true).build())) {
                assertTrue(one.status().degraded(), "one member of two is a degraded array");
                assertArrayEquals(MirrorTwoFiles.pattern(MirrorTwoFiles.LENGTH), read(one), only + " holds the data");
            }
        }
    }

    private static byte[] read(RaidArray array) throws Exception {
        ByteBuffer got = ByteBuffer.allocate(MirrorTwoFiles.LENGTH);
        array.read(MirrorTwoFiles.OFFSET, got);
        return got.array();
    }
}
