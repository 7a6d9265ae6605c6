package io.bitmirror.raid.metadata;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.create.CreateSpec;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Real member files made by the real creator, for tests. */
public final class TestArrays {
    private TestArrays() {
    }

    public static List<Path> files(Path dir, int n, long bytes) throws IOException {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path p = dir.resolve("m" + i + ".img");
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(bytes);
            }
            out.add(p);
        }
        return out;
    }

    /**
     * {@code n} member files of {@code bytes} holding a new mirror created {@code --assume-clean}
     * with an internal bitmap of {@code chunkBytes} chunks, named {@code name}.
     */
    public static List<Path> cleanMirror(Path dir, int n, long bytes, int chunkBytes, String name) throws IOException {
        List<Path> m = files(dir, n, bytes);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(n).bitmapChunkBytes(chunkBytes).name(name).homehost("h")
                .assumeClean(true).devices(m).build()).write();
        return m;
    }

    public static CreateSpec spec(List<Path> devices, BitmapMode mode, boolean assumeClean) {
        return CreateSpec.builder().raidDevices(devices.size()).bitmap(mode).name("test").homehost("host")
                .assumeClean(assumeClean).devices(devices).now(Instant.ofEpochSecond(1_700_000_000L)).build();
    }

    public static ArrayCreator.Plan create(List<Path> devices, BitmapMode mode) throws IOException {
        ArrayCreator.Plan plan = ArrayCreator.plan(spec(devices, mode, false));
        plan.write();
        return plan;
    }
}
