package io.bitmirror.tools.scan;

import io.bitmirror.tools.examine.Uuids;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * One array found among scanned devices: its uuid, its stored name ({@code host:name}), the
 * metadata version of the first member seen, and the members in the order they were given.
 */
public record ScannedArray(byte[] uuid, String name, String metadata, List<Path> members) {
    public ScannedArray {
        uuid = uuid.clone();
        members = List.copyOf(members);
    }

    @Override
    public byte[] uuid() {
        return uuid.clone();
    }

    public boolean isFor(byte[] other) {
        return Arrays.equals(uuid, other);
    }

    /** The name without its {@code host:} part, as mdadm names {@code /dev/md/NAME}. */
    public String shortName() {
        return name.substring(name.indexOf(':') + 1);
    }

    /**
     * The line {@code mdadm --examine --scan} prints for this array, to the byte (mdadm puts two
     * spaces after the device name).
     */
    public String arrayLine() {
        return "ARRAY /dev/md/" + shortName() + "  metadata=" + metadata + " UUID=" + Uuids.mdadm(uuid) + " name="
                + name;
    }
}
