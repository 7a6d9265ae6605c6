package io.bitmirror.bitmapfile.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A block device number, MAJ:MIN, as in {@code /sys/dev/block/MAJ:MIN} and
 * {@code /proc/self/mountinfo}. Decoded from a 64-bit {@code dev_t} the way glibc encodes it
 * (12 bits of major and 20 of minor split over the low and high words).
 */
public record DeviceId(int major, int minor) {

    /** Decodes a glibc dev_t (st_dev or st_rdev). */
    public static DeviceId of(long dev) {
        int major = (int) (((dev >>> 8) & 0xfffL) | ((dev >>> 32) & ~0xfffL));
        int minor = (int) ((dev & 0xffL) | ((dev >>> 12) & ~0xffL));
        return new DeviceId(major, minor);
    }

    /** Parses {@code MAJ:MIN}. */
    public static DeviceId parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not a device number MAJ:MIN: " + text);
        }
        return new DeviceId(Integer.parseInt(text.substring(0, colon).trim()),
                Integer.parseInt(text.substring(colon + 1).trim()));
    }

    /** The device holding the filesystem that holds {@code path} (st_dev). */
    public static DeviceId holding(Path path) throws IOException {
        return of((Long) Files.getAttribute(path, "unix:dev"));
    }

    /** The device a block special file names (st_rdev). */
    public static DeviceId named(Path blockDevice) throws IOException {
        return of((Long) Files.getAttribute(blockDevice, "unix:rdev"));
    }

    @Override
    public String toString() {
        return major + ":" + minor;
    }
}
