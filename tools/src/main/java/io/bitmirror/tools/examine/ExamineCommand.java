package io.bitmirror.tools.examine;

import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.MetadataSource;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockValidator;
import io.bitmirror.tools.cli.HostName;
import io.bitmirror.tools.scan.MemberScan;
import io.bitmirror.tools.scan.ScannedArray;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror examine}: prints each member's superblock as {@code mdadm --examine} does.
 * A superblock that is present but invalid is printed and its first problem reported on one
 * stderr line (exit status 1); a device without one gets only the error line.
 */
@Command(name = "examine", mixinStandardHelpOptions = true,
        description = "Print md superblocks of members, as mdadm --examine does (read with O_DIRECT).")
public final class ExamineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-s", "--scan"}, description = "Print one mdadm.conf ARRAY line per array found among the "
            + "devices (as mdadm --examine --scan), for a bitmirror config file.")
    boolean scan;

    @Option(names = "--tls-certificates", paramLabel = "DIR", description = "ca-cert.pem, client-cert.pem and "
            + "client-key.pem for nbds:// members (libnbd's names).")
    void tlsCertificates(Path dir) {
        io.bitmirror.raid.remote.RemoteMembers.tlsCertificates(dir);
    }

    @Parameters(paramLabel = "DEVICE", arity = "1..*", description = "Member block devices, image files or NBD URIs.")
    List<Path> devices;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (scan) {
            return scan(out, err);
        }
        int rc = 0;
        for (Path p : devices) {
            try {
                String problem = examine(p, out);
                if (problem != null) {
                    err.println("bitmirror: " + p + ": " + problem);
                    rc = 1;
                }
            } catch (java.nio.file.NoSuchFileException e) {
                err.println("bitmirror: " + p + ": no such file or device");
                rc = 1;
            } catch (MdFormatException | IOException e) {
                err.println("bitmirror: " + p + ": " + e.getMessage());
                rc = 1;
            }
            out.flush();
            err.flush();
        }
        return rc;
    }

    /**
     * One ARRAY line per array, members grouped by uuid; a device that is no valid member gets an
     * error line and exit status 1, but the arrays found on the others are still printed.
     */
    private int scan(PrintWriter out, PrintWriter err) {
        boolean[] bad = {false};
        List<ScannedArray> arrays = MemberScan.scan(devices, (p, why) -> {
            err.println("bitmirror: " + p + ": " + why);
            bad[0] = true;
        });
        for (ScannedArray a : arrays) {
            out.println(a.arrayLine());
        }
        out.flush();
        err.flush();
        return bad[0] ? 1 : 0;
    }

    /** Prints one device; returns the first validation problem, or null when it is valid. */
    static String examine(Path p, PrintWriter out) throws IOException {
        try (MetadataSource src = io.bitmirror.raid.remote.RemoteMembers.metadataSource(p)) {
            return examine(p, src, out);
        }
    }

    private static String examine(Path p, MetadataSource src, PrintWriter out) throws IOException {
        MetadataReader.Located loc = MetadataReader.locate(src);
        Superblock sb = loc.superblock();
        long sectors = loc.sectors();
        long superOffset = loc.superOffset();
        // Structure first: without a sane max_dev and location nothing can be printed honestly.
        SuperblockValidator.validateStructure(sb, superOffset);
        String problem = null;
        BitmapSuperblock bitmap = null;
        try {
            SuperblockValidator.validate(sb, superOffset, sectors);
            if (sb.hasFeature(FeatureMap.BITMAP_OFFSET)) {
                bitmap = new BitmapSuperblock().wrap(MetadataReader.readInternalBitmap(src, sb), 0);
            }
        } catch (MdFormatException e) {
            problem = e.getMessage();
        }
        StringWriter text = new StringWriter();
        PrintWriter w = new PrintWriter(text);
        w.println(io.bitmirror.raid.remote.RemoteMembers.text(p) + ":");
        ExamineFormatter.print(w, sb, sectors, bitmap, HostName.get());
        w.flush();
        out.print(text);
        return problem;
    }
}
