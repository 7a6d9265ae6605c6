package io.bitmirror.tools.create;

import io.bitmirror.bitmapfile.BitmapFileWriter;
import io.bitmirror.bitmapfile.ExternalBitmap;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.BitmapMode;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.tools.UsageException;
import io.bitmirror.tools.cli.HostName;
import io.bitmirror.tools.cli.Sizes;
import io.bitmirror.tools.examine.Uuids;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bitmirror create}: as {@code mdadm --create}, for RAID-1 with metadata 1.2. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a RAID-1 array (md metadata 1.2) on block devices or regular files.")
public final class CreateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-l", "--level"}, required = true, description = "RAID level; only 1 is supported.")
    String level;

    @Option(names = {"-n", "--raid-devices"}, required = true, description = "Number of active members.")
    int raidDevices;

    @Option(names = {"-b", "--bitmap"}, defaultValue = "internal", paramLabel = "internal|none|PATH",
            description = "Where the write-intent bitmap lives (default: ${DEFAULT-VALUE}).")
    String bitmap;

    @Option(names = "--bitmap-chunk", converter = Sizes.class, paramLabel = "SIZE",
            description = "Bytes of data per bitmap bit (K by default; K/M/G suffixes). "
                    + "Default: 64M, grown until the bitmap fits its space.")
    Long bitmapChunk;

    @Option(names = {"-N", "--name"}, defaultValue = "bitmirror", description = "Array name, stored as host:name "
            + "(default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = {"-z", "--size"}, converter = Sizes.class, paramLabel = "SIZE",
            description = "Space to use on each member (K by default; K/M/G/T suffixes). Default: the most that "
                    + "fits every member.")
    Long size;

    @Option(names = "--assume-clean", description = "The members already hold identical data: no initial resync.")
    boolean assumeClean;

    @Option(names = {"-f", "--force"}, description = "Overwrite existing md superblocks, filesystem signatures and "
            + "bitmap files.")
    boolean force;

    @Option(names = "--config", paramLabel = "FILE", description = "Bitmap registry that records an external bitmap "
            + "(default: $BITMIRROR_CONF or /etc/bitmirror/bitmirror.conf).")
    Path config;

    @Parameters(paramLabel = "DEVICE", arity = "1..*", description = "Block devices, regular files or NBD URIs "
            + "(nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH, nbds://...), in slot order.")
    List<Path> devices = new java.util.ArrayList<>();

    @Option(names = "--tls-certificates", paramLabel = "DIR", description = "ca-cert.pem, client-cert.pem and "
            + "client-key.pem for nbds:// members (libnbd's names).")
    void tlsCertificates(Path dir) {
        io.bitmirror.raid.remote.RemoteMembers.tlsCertificates(dir);
    }

    /** Where -W and --readwrite were given among the devices (mdadm: they mark the devices that follow). */
    private final WriteMostlyMarks marks = new WriteMostlyMarks();

    @Option(names = {"-W", "--write-mostly"}, description = "The devices that follow are write-mostly: reads avoid "
            + "them (a slow or remote leg).")
    void writeMostly(boolean on) {
        marks.mark(devices, true);
    }

    @Option(names = "--readwrite", description = "The devices that follow are not write-mostly (ends -W).")
    void readWrite(boolean on) {
        marks.mark(devices, false);
    }

    @Option(names = "--write-behind", arity = "0..1", paramLabel = "N", parameterConsumer = WriteBehindValue.class,
            description = "Write-mostly members may lag by up to N writes (0-16383; 256 without a value): a write "
                    + "is acknowledged once the other members have it. Needs a bitmap.")
    Integer writeBehind;

    @Override
    public Integer call() throws Exception {
        int lvl = parseLevel(level);
        BitmapMode mode;
        Path file = null;
        switch (bitmap) {
            case "internal": mode = BitmapMode.INTERNAL; break;
            case "none": mode = BitmapMode.NONE; break;
            default:
                // As mdadm: a file must be written as a path, so that a typo of "internal" or
                // "none" is not taken for a file name.
                if (bitmap.indexOf('/') < 0) {
                    throw new UsageException("--bitmap " + bitmap + ": use internal, none, or a file path containing "
                            + "'/' (e.g. ./" + bitmap + ")");
                }
                mode = BitmapMode.FILE;
                file = Path.of(bitmap);
        }
        if (mode == BitmapMode.NONE && bitmapChunk != null) {
            throw new UsageException("--bitmap-chunk makes no sense with --bitmap=none");
        }
        if (size != null && size % 1024 != 0) {
            throw new UsageException("--size " + size + " bytes: must be a whole number of KiB");
        }
        CreateSpec.Builder csb = file != null ? CreateSpec.builder().bitmapFile(file)
                : CreateSpec.builder().bitmap(mode);
        csb.level(lvl).raidDevices(raidDevices).bitmapChunkBytes(bitmapChunk == null ? 0 : bitmapChunk)
                .name(name).homehost(HostName.get())
                .sizeSectors(size == null ? 0 : size / 512).assumeClean(assumeClean).force(force).devices(devices)
                .writeBehind(writeBehind == null ? 0 : writeBehind);
        marks.apply(devices.size(), csb::writeMostly);
        CreateSpec cs = csb.build();
        try {
            ArrayCreator.checkRequest(cs);
        } catch (io.bitmirror.raid.ArrayException e) {
            // The request contradicts itself whatever the devices are: a usage error.
            throw new UsageException(e.getMessage());
        }
        ArrayCreator.Plan plan = ArrayCreator.plan(cs);
        if (mode == BitmapMode.FILE) {
            // Where the file may live is checked before anything is written (W7: a filesystem
            // with stable block addresses, not on a member).
            ExternalBitmap.validateLocation(file, devices);
            // The external bitmap first: members never point at it, so a failure here leaves
            // the members untouched.
            BitmapFileWriter.create(file, plan.uuid(), plan.sizeSectors(), plan.bitmapChunk(),
                    ArrayCreator.DEFAULT_DAEMON_SLEEP, cs.writeBehind(), !assumeClean, force);
            try {
                ExternalBitmap.register(file, plan.uuid(), devices, config);
            } catch (java.io.IOException | RuntimeException e) {
                java.nio.file.Files.deleteIfExists(file);
                throw e;
            }
        }
        plan.write();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("bitmirror: created raid1 array %s (%s) on %d devices, %d KiB each%n", plan.storedName(),
                Uuids.mdadm(plan.uuid()), devices.size(), plan.sizeSectors() / 2);
        if (mode != BitmapMode.NONE) {
            out.printf("bitmirror: %s bitmap, chunk %d KiB, %s%n", mode == BitmapMode.INTERNAL ? "internal" : "file " + file,
                    plan.bitmapChunk() / 1024, assumeClean ? "all clean (--assume-clean)"
                            : "all dirty: the first assembly resyncs everything");
        }
        if (mode == BitmapMode.FILE) {
            // The one edit bitmirror makes to the config by itself: say so, and how to undo it.
            out.printf("bitmirror: recorded bitmap file %s in %s ('bitmirror config --forget %s' removes it)%n",
                    file.toAbsolutePath(), io.bitmirror.bitmapfile.config.ConfigFile.locate(config),
                    Uuids.mdadm(plan.uuid()));
        }
        return 0;
    }

    static int parseLevel(String s) {
        String v = s.toLowerCase();
        switch (v) {
            case "1": case "raid1": case "mirror": return 1;
            default:
                try {
                    return Integer.parseInt(v.startsWith("raid") ? v.substring(4) : v);
                } catch (NumberFormatException e) {
                    throw new UsageException("--level " + s + ": not a RAID level");
                }
        }
    }
}
