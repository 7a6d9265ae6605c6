package io.bitmirror.raid.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What a member path is: a block device or a regular file, its size and logical sector size.
 *
 * @param path the path as given
 * @param blockDevice true for a block device, false for a regular file
 * @param sizeBytes usable bytes
 * @param logicalSectorSize smallest I/O unit (512 for files)
 * @param deviceId st_rdev of a block device, or st_dev of a file (to find duplicates)
 * @param inode st_ino (to find duplicate files)
 */
public record DeviceInfo(Path path, boolean blockDevice, long sizeBytes, int logicalSectorSize, long deviceId,
        long inode) {

    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;

    /** Size in 512-byte sectors. */
    public long sectors() {
        return sizeBytes / 512;
    }

    /** Looks at {@code path}: fails with a one-line message for anything but a block device or a regular file. */
    public static DeviceInfo probe(Path path) throws IOException {
        int mode;
        long rdev;
        long dev;
        long ino;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode");
            rdev = (Long) Files.getAttribute(path, "unix:rdev");
            dev = (Long) Files.getAttribute(path, "unix:dev");
            ino = (Long) Files.getAttribute(path, "unix:ino");
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "no such file or device");
        }
        if ((mode & S_IFMT) == S_IFBLK) {
            return new DeviceInfo(path, true, Ioctls.blockDeviceSize(path), Ioctls.logicalSectorSize(path), rdev, 0);
        }
        if ((mode & S_IFMT) == S_IFREG) {
            return new DeviceInfo(path, false, Files.size(path), 512, dev, ino);
        }
        throw new IOException(path + ": not a block device or a regular file");
    }

    /** True when both name the same device or file, however they were spelled. */
    public boolean sameAs(DeviceInfo other) {
        if (blockDevice != other.blockDevice) {
            return false;
        }
        return blockDevice ? deviceId == other.deviceId : deviceId == other.deviceId && inode == other.inode;
    }
}
