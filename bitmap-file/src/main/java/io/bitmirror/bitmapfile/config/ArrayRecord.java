package io.bitmirror.bitmapfile.config;

import io.bitmirror.bitmapfile.extent.ExtentMap;
import io.bitmirror.bitmapfile.fs.DeviceId;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One ARRAY line: the external bitmap file of the array {@code uuid}, and what the file was when
 * it was registered (device, inode, size, extents), to compare with at every assemble.
 */
public record ArrayRecord(byte[] uuid, Path bitmap, DeviceId device, long inode, ExtentMap extents) {

    public ArrayRecord {
        uuid = uuid.clone();
        if (uuid.length != 16) {
            throw new IllegalArgumentException("array uuid must be 16 bytes, got " + uuid.length);
        }
    }

    @Override
    public byte[] uuid() {
        return uuid.clone();
    }

    public boolean isFor(byte[] arrayUuid) {
        return Arrays.equals(uuid, arrayUuid);
    }

    /** mdadm's form: four groups of 8 hex digits in on-disk byte order, joined by ':'. */
    public static String formatUuid(byte[] uuid) {
        String h = HexFormat.of().formatHex(uuid);
        return h.substring(0, 8) + ":" + h.substring(8, 16) + ":" + h.substring(16, 24) + ":" + h.substring(24);
    }

    public static byte[] parseUuid(String text) {
        String h = text.replace(":", "").replace("-", "");
        if (h.length() != 32) {
            throw new IllegalArgumentException("UUID '" + text + "' is not 32 hex digits");
        }
        return HexFormat.of().parseHex(h);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArrayRecord r && Arrays.equals(uuid, r.uuid) && bitmap.equals(r.bitmap)
                && device.equals(r.device) && inode == r.inode && extents.sameAs(r.extents);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(uuid) * 31 + bitmap.hashCode();
    }

    @Override
    public String toString() {
        return "ARRAY UUID=" + formatUuid(uuid) + " bitmap=" + bitmap + " dev=" + device + " ino=" + inode
                + " size=" + extents.size() + " extents=" + extents.format();
    }
}
