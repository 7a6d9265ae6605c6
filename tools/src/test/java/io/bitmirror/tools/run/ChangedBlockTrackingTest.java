package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changed-block tracking with real clients and a real server process: after
 * {@code manage --track-changes=b1} and a 1 MiB write at 8 MiB (qemu-io over the socket),
 * {@code nbdinfo --map=qemu:dirty-bitmap:b1} shows exactly that range rounded to the 4 MiB
 * tracking chunk as changed (flag 1) and nothing else; after kill -9 and reassembly it still
 * does; after {@code --clear-changes=b1} nothing is; the members still read with mdadm -E.
 */
class ChangedBlockTrackingTest {
    static final long CHUNK = 4L << 20;

    @TempDir
    Path dir;

    @Test
    void dirtyBitmapShowsTheWriteSurvivesKill9AndClears() throws Exception {
        External.requireTool("nbdinfo");
        External.requireTool("qemu-io");
        External.requireTool("mdadm");
        List<Path> m = NbdClientsTest.createArray(dir, 128L << 20, "--bitmap-chunk=4M");
        long size = (128L << 20) - (1L << 20);
        Path control = dir.resolve("control.sock");
        List<String> extra = List.of("--changes-dir=" + dir.resolve("changes"));
        String ctx = "--map=qemu:dirty-bitmap:b1";
        List<List<Long>> changed = List.of(List.of(0L, 2 * CHUNK, 0L), List.of(2 * CHUNK, CHUNK, 1L),
                List.of(3 * CHUNK, size - 3 * CHUNK, 0L));
        try (ArrayProcess a = ArrayProcess.start(dir, extra, m)) {
            Cli.Result t = Cli.run("manage", "--control=" + control, "--track-changes=b1");
            assertEquals(0, t.rc(), t.err());
            External.Run info = External.run("nbdinfo", "--json", a.uri());
            assertTrue(info.out().contains("qemu:dirty-bitmap:b1"), info.out());
            External.Run empty = External.run("nbdinfo", ctx, a.uri());
            assertEquals(0, empty.rc(), empty.err());
            assertEquals(List.of(List.of(0L, size, 0L)), NbdBlockStatusTest.extents(empty.out()), empty.out());

            External.Run w = External.run("qemu-io", "-f", "raw", "-c", "write -P 0x5a 8M 1M", a.uri());
            assertEquals(0, w.rc(), w.out() + w.err());
            External.Run map = External.run("nbdinfo", ctx, a.uri());
            assertEquals(0, map.rc(), map.err());
            assertEquals(changed, NbdBlockStatusTest.extents(map.out()), map.out());
            Cli.Result d = Cli.run("detail", "--control=" + control);
            assertTrue(d.out().contains("Changes b1") && d.out().contains("1 chunks changed"), d.out());
            a.kill9();
        }
        try (ArrayProcess a = ArrayProcess.start(dir, extra, m)) {
            External.Run map = External.run("nbdinfo", ctx, a.uri());
            assertEquals(0, map.rc(), map.err() + a.output());
            assertEquals(changed, NbdBlockStatusTest.extents(map.out()), "after kill -9 and reassembly: " + map.out());
            Cli.Result c = Cli.run("manage", "--control=" + control, "--clear-changes=b1");
            assertEquals(0, c.rc(), c.err());
            External.Run clear = External.run("nbdinfo", ctx, a.uri());
            assertEquals(List.of(List.of(0L, size, 0L)), NbdBlockStatusTest.extents(clear.out()), clear.out());
            Cli.Result bad = Cli.run("manage", "--control=" + control, "--clear-changes=nope");
            assertNotEquals(0, bad.rc());
            assertTrue(bad.err().contains("no such changed-block bitmap"), bad.err());
            assertEquals(1, bad.err().trim().lines().count(), bad.err());
            assertEquals(0, a.stop(), a.output());
        }
        // Stored beside the config, not in the members: mdadm reads them as before.
        assertTrue(Files.exists(dir.resolve("changes/b1.cbt")));
        for (Path p : m) {
            External.Run e = External.run("mdadm", "-E", p.toString());
            assertEquals(0, e.rc(), e.err());
            assertTrue(e.out().contains("Internal Bitmap"), e.out());
            // mdadm -X reads a member's bitmap only through a block device (a loop device needs
            // root); our examine-bitmap, which matches it (MdadmExamineBitmapTest), reads the file.
            Cli.Result x = Cli.run("examine-bitmap", p.toString());
            assertEquals(0, x.rc(), x.err());
            assertTrue(x.out().contains("Chunksize : 4 MB"), x.out());
        }
        try (ArrayProcess a = ArrayProcess.start(dir, extra, m)) {
            Cli.Result s = Cli.run("manage", "--control=" + control, "--stop-tracking=b1");
            assertEquals(0, s.rc(), s.err());
            assertFalse(Files.exists(dir.resolve("changes/b1.cbt")));
            assertEquals(0, a.stop(), a.output());
        }
    }
}
