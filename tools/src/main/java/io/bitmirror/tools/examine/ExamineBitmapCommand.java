package io.bitmirror.tools.examine;

import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;
import io.bitmirror.bitmap.format.BitmapValidator;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.device.DeviceInfo;
import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.MetadataSource;
import io.bitmirror.raid.superblock.FeatureMap;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror examine-bitmap}: prints a bitmap as {@code mdadm --examine-bitmap} does,
 * reading with O_DIRECT so it shows the device, not a stale page cache. PATH may be an external
 * bitmap file, or a member (block device or image file) whose superblock points at an internal
 * bitmap; unlike mdadm, an image file needs no loop device.
 */
@Command(name = "examine-bitmap", aliases = "X", mixinStandardHelpOptions = true,
        description = "Print a write-intent bitmap, as mdadm --examine-bitmap does (read with O_DIRECT).")
public final class ExamineBitmapCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tls-certificates", paramLabel = "DIR", description = "ca-cert.pem, client-cert.pem and "
            + "client-key.pem for nbds:// members (libnbd's names).")
    void tlsCertificates(Path dir) {
        io.bitmirror.raid.remote.RemoteMembers.tlsCertificates(dir);
    }

    @Parameters(paramLabel = "PATH", description = "External bitmap file, member block device, member image file or "
            + "NBD URI of a member.")
    Path path;

    @Override
    public Integer call() throws IOException {
        DeviceInfo dev = io.bitmirror.raid.remote.RemoteMembers.probe(path);
        ByteBuffer bitmap;
        long availableBits;
        boolean member = holdsMdSuperblock(dev);
        if (member) {
            MemberMetadata md = io.bitmirror.raid.remote.RemoteMembers.readMetadata(path);
            if (!md.superblock().hasFeature(FeatureMap.BITMAP_OFFSET)) {
                throw new MdFormatException("feature_map", "feature_map 0x" + Integer.toHexString(
                        md.superblock().featureMap()) + ": " + path + " is an md member without an internal bitmap");
            }
            bitmap = md.bitmap();
            availableBits = md.bitmapSuperblock().chunks();
        } else {
            bitmap = readFile(dev);
            BitmapSuperblock sb = new BitmapSuperblock().wrap(bitmap, 0);
            try {
                MdFormatException.check(bitmap.limit() >= BitmapSuperblockLayout.LENGTH, "file size", dev.sizeBytes(),
                        "too short for a bitmap superblock (" + BitmapSuperblockLayout.LENGTH + " bytes)");
                // A short file is reported the way mdadm does (fewer bits), not refused.
                BitmapValidator.validate(sb, null, -1);
            } catch (MdFormatException e) {
                // Neither a member nor a valid bitmap file: say which file the message is about.
                throw new MdFormatException(e.field(), path + ": " + e.getMessage());
            }
            availableBits = (bitmap.limit() - BitmapSuperblockLayout.LENGTH) * 8L;
            if (availableBits < sb.chunks()) {
                spec.commandLine().getErr().printf("bitmirror: %s: WARNING: bitmap file is not large enough for array "
                        + "size %d!%n", path, sb.syncSize());
            }
        }
        BitmapReport.print(spec.commandLine().getOut(), io.bitmirror.raid.remote.RemoteMembers.text(path), bitmap,
                availableBits);
        return 0;
    }

    private static boolean holdsMdSuperblock(DeviceInfo dev) throws IOException {
        if (dev.sectors() < MetadataReader.MIN_DEVICE_SECTORS) {
            return false;
        }
        try (MetadataSource src = io.bitmirror.raid.remote.RemoteMembers.metadataSource(dev.path())) {
            MetadataReader.locate(src);
            return true;
        } catch (MdFormatException e) {
            return false;
        }
    }

    /** Reads the whole external file (bounded) with O_DIRECT; the buffer's limit is the bytes read. */
    private static ByteBuffer readFile(DeviceInfo dev) throws IOException {
        long size = dev.sizeBytes();
        long max = BitmapGeometry.totalBytes(1L << 31);
        MdFormatException.check(size <= max, "file size", size, "too large for a bitmap file");
        int aligned = (int) ((size + DirectIo.ALIGN - 1) / DirectIo.ALIGN * DirectIo.ALIGN);
        ByteBuffer buf = DirectIo.allocate(Math.max(aligned, DirectIo.ALIGN));
        int got = 0;
        try (FileChannel ch = DirectIo.openRead(dev.path())) {
            while (got < size) {
                // O_DIRECT reads whole aligned blocks; the last read comes back short at EOF.
                buf.limit(buf.capacity()).position(got);
                int n = ch.read(buf, got);
                if (n <= 0) {
                    break;
                }
                got += n;
            }
        }
        buf.clear().limit(got);
        return buf;
    }

}
