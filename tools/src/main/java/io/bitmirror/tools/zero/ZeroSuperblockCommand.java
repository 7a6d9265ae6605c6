package io.bitmirror.tools.zero;

import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror zero-superblock DEVICE...}: overwrites the md superblock (the 4 KiB block
 * holding it, at the 1.0, 1.1 or 1.2 location where it was found) and, when the superblock
 * points at one, the internal bitmap's superblock, with zeros. A device a running array holds is
 * refused: every bitmirror takes {@link FileMemberDevice}'s lock on its members (shared when read-only), and
 * this command opens each device the same way, so it cannot take a member from under an array.
 * All devices are opened, locked and read before the first is written.
 */
@Command(name = "zero-superblock", mixinStandardHelpOptions = true,
        description = "Erase the md superblock (and internal bitmap superblock) of devices no array is using.")
public final class ZeroSuperblockCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DEVICE", arity = "1..*", description = "Former members: block devices or files.")
    List<Path> devices;

    /** What is erased on one device: byte offsets of 4 KiB blocks. */
    private record Plan(FileMemberDevice device, List<Long> blocks) {
    }

    @Override
    public Integer call() throws Exception {
        List<Plan> plans = new ArrayList<>();
        try {
            // Validate the whole request first: a refusal leaves every device as it was.
            for (Path p : devices) {
                plans.add(plan(p));
            }
            PrintWriter out = spec.commandLine().getOut();
            ByteBuffer zeros = DirectIo.allocate(DirectIo.ALIGN);
            for (Plan plan : plans) {
                for (long at : plan.blocks()) {
                    plan.device().write(at, zeros.clear(), false);
                }
                // Durable before we report it done (and before the lock is released).
                plan.device().flush();
                out.println("bitmirror: " + plan.device().name() + ": md superblock erased"
                        + (plan.blocks().size() > 1 ? " (and its internal bitmap superblock)" : ""));
            }
            return 0;
        } finally {
            for (Plan plan : plans) {
                plan.device().close();
            }
        }
    }

    private static Plan plan(Path p) throws IOException {
        FileMemberDevice dev;
        try {
            dev = FileMemberDevice.open(p);
        } catch (NoSuchFileException e) {
            throw new ArrayException(p + ": no such file or device");
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("in use by")) {
                throw new ArrayException(p + ": in use by a running array (its exclusive lock is held); stop the "
                        + "array first");
            }
            throw e;
        }
        try {
            MetadataReader.Located loc;
            try {
                loc = MetadataReader.locate(p);
            } catch (MdFormatException e) {
                throw new ArrayException(p + ": no md superblock to erase (" + e.getMessage() + ")");
            }
            List<Long> blocks = new ArrayList<>();
            long sb = loc.superOffset() * 512;
            blocks.add(sb);
            Superblock s = loc.superblock();
            if (s.hasFeature(FeatureMap.BITMAP_OFFSET)) {
                long bm = sb + (long) s.bitmapOffset() * 512;
                ByteBuffer b = DirectIo.allocate(DirectIo.ALIGN).order(ByteOrder.LITTLE_ENDIAN);
                if (bm >= 0 && bm + DirectIo.ALIGN <= dev.sizeBytes()) {
                    dev.read(bm, b);
                    // Only a block that is a bitmap superblock: an offset from a damaged
                    // superblock must not erase data.
                    if (new BitmapSuperblock().wrap(b, 0).magic() == io.bitmirror.bitmap.format.BitmapSuperblockLayout.MAGIC) {
                        blocks.add(bm);
                    }
                }
            }
            return new Plan(dev, blocks);
        } catch (IOException | RuntimeException e) {
            dev.close();
            throw e;
        }
    }
}
