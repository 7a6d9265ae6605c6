package io.bitmirror.tools.scan;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The DEVICE words of the config file as paths to examine: a glob is expanded (sorted, as a
 * shell does), a plain path is taken as written, a path reached twice is examined once. NBD URIs
 * are reported and skipped: members are local devices or files in this version.
 */
public final class DeviceCandidates {
    private DeviceCandidates() {
    }

    public static List<Path> expand(List<String> words, Consumer<String> warn) throws IOException {
        Set<Path> out = new LinkedHashSet<>();
        for (String w : words) {
            if (w.startsWith("nbd://") || w.startsWith("nbd+unix://")) {
                warn.accept("DEVICE " + w + ": skipped, remote members are not supported yet");
            } else if (isGlob(w)) {
                out.addAll(glob(w));
            } else {
                out.add(Path.of(w));
            }
        }
        return new ArrayList<>(out);
    }

    static boolean isGlob(String w) {
        return w.indexOf('*') >= 0 || w.indexOf('?') >= 0 || w.indexOf('[') >= 0;
    }

    /** The existing paths matching {@code pattern} (absolute), walking only as deep as it reaches. */
    static List<Path> glob(String pattern) throws IOException {
        Path p = Path.of(pattern);
        Path base = p.getRoot();
        int depth = 0;
        boolean inGlob = false;
        for (Path part : p) {
            if (!inGlob && !isGlob(part.toString())) {
                base = base.resolve(part);
            } else {
                inGlob = true;
                depth++;
            }
        }
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(base)) {
            return found;
        }
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        final int levels = depth;
        final Path from = base;
        try (Stream<Path> s = Files.walk(from, levels)) {
            s.filter(x -> x.getNameCount() == from.getNameCount() + levels && m.matches(x)).sorted()
                    .forEach(found::add);
        }
        return found;
    }
}
