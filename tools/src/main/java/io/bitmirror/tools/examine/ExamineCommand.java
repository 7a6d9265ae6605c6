package io.bitmirror.tools.examine;

import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.MetadataSource;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockValidator;
import io.bitmirror.tools.cli.HostName;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
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

    @Parameters(paramLabel = "DEVICE", arity = "1..*", description = "Member block devices or image files.")
    List<Path> devices;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
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

    /** Prints one device; returns the first validation problem, or null when it is valid. */
    static String examine(Path p, PrintWriter out) throws IOException {
        try (MetadataSource src = MetadataSource.open(p)) {
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
        w.println(p + ":");
        ExamineFormatter.print(w, sb, sectors, bitmap, HostName.get());
        w.flush();
        out.print(text);
        return problem;
    }
}
