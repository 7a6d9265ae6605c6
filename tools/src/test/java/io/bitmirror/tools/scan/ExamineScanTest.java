package io.bitmirror.tools.scan;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.External;
import io.bitmirror.tools.TestArrays;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code examine --scan} prints what the real {@code mdadm --examine --scan} prints, one line per array. */
class ExamineScanTest {
    @TempDir
    Path dir;

    static Set<String> lines(String text) {
        Set<String> s = new TreeSet<>();
        for (String l : text.split("\n")) {
            if (!l.isBlank()) {
                s.add(l);
            }
        }
        return s;
    }

    @Test
    void sameLinesAsMdadmGroupedByUuid() throws Exception {
        External.requireTool("mdadm");
        List<Path> web = TestArrays.array(dir, "web");
        List<Path> db = TestArrays.array(dir, "db", "--bitmap=none");
        // Interleaved: grouping is by uuid, not by position.
        String[] devs = {web.get(0).toString(), db.get(1).toString(), web.get(1).toString(), db.get(0).toString()};
        List<String> args = new ArrayList<>(List.of("examine", "--scan"));
        args.addAll(List.of(devs));
        Cli.Result ours = Cli.run(args.toArray(String[]::new));
        assertEquals(0, ours.rc(), ours.err());
        assertEquals("", ours.err());
        List<String> mdadmCmd = new ArrayList<>(List.of("mdadm", "--examine", "--scan"));
        mdadmCmd.addAll(List.of(devs));
        External.Run md = External.run(mdadmCmd.toArray(String[]::new));
        assertEquals(0, md.rc(), md.err());
        assertEquals(2, lines(md.out()).size(), md.out());
        // Byte for byte, as sets: mdadm lists arrays last-seen first, we in the order given.
        assertEquals(lines(md.out()), lines(ours.out()));
        String[] ourLines = ours.out().split("\n");
        assertTrue(ourLines[0].startsWith("ARRAY /dev/md/web  metadata=1.2 UUID="), ours.out());
        assertTrue(ourLines[0].matches(".* UUID=[0-9a-f]{8}(:[0-9a-f]{8}){3} name=[^ ]+:web"), ours.out());
        assertTrue(ourLines[1].startsWith("ARRAY /dev/md/db  "), ours.out());
    }

    @Test
    void aDeviceWithoutSuperblockIsReportedAndTheOthersStillScanned() throws Exception {
        List<Path> web = TestArrays.array(dir, "web");
        Path blank = TestArrays.file(dir, "blank.img", 8 << 20);
        Cli.Result r = Cli.run("examine", "--scan", blank.toString(), web.get(0).toString(), web.get(1).toString(),
                dir.resolve("missing.img").toString());
        assertEquals(1, r.rc());
        assertEquals(1, lines(r.out()).size(), r.out());
        assertTrue(r.out().startsWith("ARRAY /dev/md/web  metadata=1.2 "), r.out());
        List<String> err = r.errLines();
        assertEquals(2, err.size(), r.err());
        assertTrue(err.get(0).startsWith("bitmirror: " + blank + ": ") && err.get(0).contains("no md superblock"),
                err.get(0));
        assertEquals("bitmirror: " + dir.resolve("missing.img") + ": no such file or device", err.get(1));
    }
}
