package io.bitmirror.tools.run;

import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.nbd.Dispatch;
import io.bitmirror.raid.nbd.NbdUri;
import io.bitmirror.tools.cli.HostName;
import io.bitmirror.tools.cli.Sizes;
import io.bitmirror.tools.control.ControlClient;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror quickstart}: two 1 GiB sparse members with an internal bitmap under
 * ./bitmirror-data (created when missing), assembled and exported on
 * ./bitmirror-data/array.sock until Ctrl-C.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Create (if missing) and run a two-member demo array under ./bitmirror-data, exported over NBD.")
public final class QuickstartCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = "bitmirror-data", description = "Where the members live (default ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--size", defaultValue = "1G", converter = Sizes.class, paramLabel = "SIZE",
            description = "Size of each member when created (K by default; K/M/G/T suffixes; default ${DEFAULT-VALUE}).")
    long size;

    /** The launcher as a command valid from any directory: its absolute path, set by the script. */
    static String launcher() {
        String path = System.getProperty("bitmirror.launcher");
        return path != null && Path.of(path).isAbsolute() ? path : "bitmirror";
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Files.createDirectories(dir);
        Path a = dir.resolve("member0.img").toAbsolutePath();
        Path b = dir.resolve("member1.img").toAbsolutePath();
        List<Path> members = List.of(a, b);
        if (!Files.exists(a) && !Files.exists(b)) {
            for (Path p : members) {
                try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                    f.setLength(size);
                }
            }
            // New sparse files read as zeroes on both sides: they are already identical, so the
            // array is created clean instead of copying 1 GiB of zeroes.
            ArrayCreator.Plan plan = ArrayCreator.plan(CreateSpec.builder().raidDevices(2).name("quickstart")
                    .homehost(HostName.get()).assumeClean(true).devices(members).build());
            plan.write();
            out.printf("bitmirror: created %s and %s (%d MiB each, internal bitmap)%n", a, b, size >> 20);
        } else {
            out.printf("bitmirror: using %s and %s%n", a, b);
        }
        Path sock = dir.resolve("array.sock").toAbsolutePath();
        Path control = dir.resolve("control.sock").toAbsolutePath();
        String uri = NbdUri.unix(sock);
        AssembleOptions opts = AssembleOptions.builder(members).run(true).build();
        return ArrayRunner.run(opts, uri, false, io.bitmirror.raid.nbd.NbdOptions.defaults(Dispatch.AUTO), control, out, () -> {
            out.println();
            out.println("Connect with any NBD client:");
            out.println("  nbdinfo '" + uri + "'");
            // Bounded: /dev/urandom never ends, so copying it would fill the array and fail.
            out.println("  head -c 64M /dev/urandom | nbdcopy - '" + uri + "'   # write 64 MiB");
            out.println("  mkdir -p /tmp/bm && nbdfuse /tmp/bm/disk '" + uri + "' &");
            out.println("      then: losetup -f --show /tmp/bm/disk;  undo: losetup -d LOOP; fusermount3 -u /tmp/bm/disk");
            out.println("  nbd-client -unix " + sock + " /dev/nbd0                  # kernel client, as root");
            out.println("Watch it:  " + launcher() + " detail --control=" + control);
            out.println("Stop it:   Ctrl-C (the array is flushed and marked clean)");
            out.println();
            try {
                out.print(io.bitmirror.tools.control.DetailFormatter.text(ControlClient.request(control, "detail")));
            } catch (java.io.IOException e) {
                out.println("(detail unavailable: " + e.getMessage() + ")");
            }
            out.flush();
        });
    }
}
