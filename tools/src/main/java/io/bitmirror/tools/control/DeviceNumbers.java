package io.bitmirror.tools.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A block device's major and minor numbers, as mdadm's member table shows them; none for files. */
final class DeviceNumbers {
    /** S_IFMT and S_IFBLK of st_mode. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private DeviceNumbers() {
    }

    /** {major, minor} of a block device, or null (a file, an NBD URI, gone, or no unix view). */
    static long[] of(String device) {
        try {
            Path p = Path.of(device);
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            if ((mode & S_IFMT) != S_IFBLK) {
                return null;
            }
            long rdev = (Long) Files.getAttribute(p, "unix:rdev");
            // glibc's gnu_dev_major/minor: the split of Linux's 64-bit dev_t.
            long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
            long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
            return new long[] {major, minor};
        } catch (IOException | RuntimeException notABlockDevice) {
            return null;
        }
    }
}
