package io.bitmirror.bitmapfile;

import io.bitmirror.bitmapfile.extent.Extent;
import io.bitmirror.bitmapfile.extent.ExtentMap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code filefrag -v}'s view of a file, converted from filesystem blocks to bytes. */
final class Filefrag {
    private Filefrag() {
    }

    private static final Pattern BLOCKS = Pattern.compile("blocks of (\\d+) bytes");
    private static final Pattern EXTENT = Pattern.compile("^\\s*\\d+:\\s*(\\d+)\\.\\.\\s*(\\d+):\\s*(\\d+)\\.\\.\\s*(\\d+):\\s*(\\d+):");

    static ExtentMap of(Path file) throws Exception {
        Host.requireTools("filefrag");
        Host.Run r = Host.run("filefrag", "-v", file.toString()).ok();
        Matcher b = BLOCKS.matcher(r.out());
        if (!b.find()) {
            throw new AssertionError("no block size in filefrag output: " + r.out());
        }
        long bs = Long.parseLong(b.group(1));
        List<Extent> list = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            Matcher m = EXTENT.matcher(line);
            if (m.find()) {
                list.add(new Extent(Long.parseLong(m.group(1)) * bs, Long.parseLong(m.group(3)) * bs,
                        Long.parseLong(m.group(5)) * bs, 0));
            }
        }
        return ExtentMap.of(Files.size(file), list);
    }
}
