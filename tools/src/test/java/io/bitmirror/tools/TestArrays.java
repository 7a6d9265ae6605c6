package io.bitmirror.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Arrays made with the real {@code bitmirror create} on file members, for tests. */
public final class TestArrays {
    private TestArrays() {
    }

    /** A sparse file of {@code size} bytes. */
    public static Path file(Path dir, String name, long size) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    /** Creates a two-member array NAME (32 MiB members) on fresh files NAME0.img and NAME1.img. */
    public static List<Path> array(Path dir, String name, String... extra) throws Exception {
        List<Path> m = List.of(file(dir, name + "0.img", 32 << 20), file(dir, name + "1.img", 32 << 20));
        List<String> args = new ArrayList<>(List.of("create", "-l1", "-n2", "-N", name, "--assume-clean"));
        args.addAll(List.of(extra));
        m.forEach(p -> args.add(p.toString()));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.rc(), r.err());
        return m;
    }
}
