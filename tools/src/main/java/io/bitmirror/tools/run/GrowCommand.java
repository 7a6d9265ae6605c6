package io.bitmirror.tools.run;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.bitmirror.tools.UsageException;
import io.bitmirror.tools.cli.Sizes;
import io.bitmirror.tools.control.ControlClient;
import io.bitmirror.tools.control.ControlJson;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror grow (--control=SOCKET | NAME) --bitmap=none|internal|PATH
 * [--bitmap-chunk=SIZE]}: as {@code mdadm --grow --bitmap}, on a running array. The server does
 * it in W3 order (docs/DESIGN.md, "Grow"); a bitmap must be removed (none) before another is added.
 */
@Command(name = "grow", mixinStandardHelpOptions = true,
        description = "Add or remove the write-intent bitmap of a running array (mdadm --grow --bitmap).")
public final class GrowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ControlTarget target;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "The array's name or UUID, instead of --control.")
    String name;

    @Option(names = "--bitmap", required = true, paramLabel = "none|internal|PATH",
            description = "none: remove the bitmap; internal: add one between superblock and data; PATH: add a "
                    + "bitmap file there (recorded in the bitmap registry).")
    String bitmap;

    @Option(names = "--bitmap-chunk", paramLabel = "SIZE", description = "Bytes per bit (K/M/G suffixes; a power of "
            + "two from 4K). Default: mdadm's rule for the room there is (internal) or for a file.")
    String chunk;

    @Override
    public Integer call() throws Exception {
        target.name(name);
        long chunkBytes = 0;
        if (chunk != null) {
            if (bitmap.equals("none")) {
                throw new UsageException("--bitmap-chunk goes with --bitmap=internal or a file, not none");
            }
            try {
                chunkBytes = Sizes.parseBytes(chunk);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--bitmap-chunk " + chunk + ": " + e.getMessage());
            }
            if (Long.bitCount(chunkBytes) != 1 || chunkBytes < 4096 || chunkBytes > (1L << 30)) {
                throw new UsageException("--bitmap-chunk " + chunk + ": must be a power of two from 4K to 1G");
            }
        }
        String what = bitmap;
        if (!bitmap.equals("none") && !bitmap.equals("internal")) {
            if (bitmap.isEmpty()) {
                throw new UsageException("--bitmap: none, internal or a file path");
            }
            // The server's working directory is not ours.
            what = Path.of(bitmap).toAbsolutePath().toString();
        }
        Path socket = target.socket("grow");
        ObjectNode req = ControlJson.request("grow").put("bitmap", what).put("chunk", chunkBytes);
        Path registry = target.config;
        if (registry != null) {
            req.put("config", registry.toAbsolutePath().toString());
        }
        spec.commandLine().getOut().println(ControlClient.request(socket, req).path("message").asText());
        return 0;
    }
}
