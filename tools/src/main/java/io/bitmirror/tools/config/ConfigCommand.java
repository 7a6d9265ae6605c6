package io.bitmirror.tools.config;

import io.bitmirror.bitmapfile.config.ArrayRecord;
import io.bitmirror.bitmapfile.config.BitmapRegistry;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.tools.UsageException;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror config}: lists the bitmap records of the config file (saying which files are
 * gone) or, with {@code --forget UUID|PATH}, removes the record of that array or bitmap file.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Show the config file's external bitmap records, or --forget one.")
public final class ConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Config file (default: $BITMIRROR_CONF or "
            + "/etc/bitmirror/bitmirror.conf).")
    Path config;

    @Option(names = "--forget", paramLabel = "UUID|PATH", description = "Remove the bitmap record of this array "
            + "uuid or bitmap file (the file itself is left alone).")
    String forget;

    @Override
    public Integer call() throws Exception {
        BitmapRegistry reg = BitmapRegistry.locate(config);
        PrintWriter out = spec.commandLine().getOut();
        List<ArrayRecord> records = reg.records();
        if (forget == null) {
            for (ArrayRecord r : records) {
                out.println(ArrayRecord.formatUuid(r.uuid()) + " " + r.bitmap()
                        + (Files.exists(r.bitmap()) ? "" : " (gone)"));
            }
            return 0;
        }
        List<ArrayRecord> matched = new ArrayList<>();
        byte[] uuid = null;
        try {
            uuid = ArrayRecord.parseUuid(forget);
        } catch (IllegalArgumentException notAUuid) {
            if (forget.indexOf('/') < 0) {
                throw new UsageException("--forget " + forget + ": neither a UUID (32 hex digits) nor a path "
                        + "(containing '/')");
            }
        }
        Path asPath = uuid == null ? Path.of(forget).toAbsolutePath().normalize() : null;
        for (ArrayRecord r : records) {
            if (uuid != null ? r.isFor(uuid) : r.bitmap().equals(asPath)) {
                matched.add(r);
            }
        }
        if (matched.isEmpty()) {
            throw new ArrayException("no bitmap record for " + forget + " in " + reg.path());
        }
        for (ArrayRecord r : matched) {
            reg.remove(r.uuid());
            out.println("bitmirror: forgot bitmap file " + r.bitmap() + " of array " + ArrayRecord.formatUuid(r.uuid())
                    + " in " + reg.path());
        }
        return 0;
    }
}
