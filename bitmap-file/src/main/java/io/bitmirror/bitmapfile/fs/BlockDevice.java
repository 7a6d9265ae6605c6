package io.bitmirror.bitmapfile.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jnr.ffi.byref.IntByReference;

/**
 * Facts about one block device, read from sysfs: its {@code /dev} node, whether it is a
 * partition (and of which disk), the devices it is built on (device-mapper and md "slaves"), a
 * loop device's backing file, and its logical block size. This is how we go from a file's
 * {@code st_dev} to the device its FIEMAP addresses refer to, and how we find out what lies
 * underneath that device.
 */
public final class BlockDevice {
    /** _IO(0x12, 104): logical block size of a block device, in bytes. */
    static final long BLKSSZGET = 0x1268L;

    private static final Path SYS_DEV_BLOCK = Path.of("/sys/dev/block");

    private final DeviceId id;
    private final Path sysDir;
    private final String name;

    private BlockDevice(DeviceId id, Path sysDir, String name) {
        this.id = id;
        this.sysDir = sysDir;
        this.name = name;
    }

    /** Looks {@code id} up in sysfs; fails when it is not a block device (tmpfs, nfs...). */
    public static BlockDevice of(DeviceId id) throws IOException {
        Path link = SYS_DEV_BLOCK.resolve(id.toString());
        if (!Files.exists(link)) {
            throw new IOException("device " + id + " is not a block device (no " + link + ")");
        }
        Path sysDir = link.toRealPath();
        String name = ueventValue(sysDir, "DEVNAME");
        if (name == null) {
            // Older kernels: the directory name is the kernel name.
            name = sysDir.getFileName().toString();
        }
        return new BlockDevice(id, sysDir, name);
    }

    public DeviceId id() {
        return id;
    }

    /** Kernel name, e.g. {@code loop0}, {@code sda1}, {@code dm-0}, {@code nbd0}. */
    public String name() {
        return name;
    }

    /** The {@code /dev} node, checked to be a block device with this number. */
    public Path devNode() throws IOException {
        Path node = Path.of("/dev").resolve(name);
        if (!Files.exists(node) || !DeviceId.named(node).equals(id)) {
            throw new IOException("device " + id + " (" + name + "): " + node + " is missing or names another device");
        }
        return node;
    }

    /** True for a partition; its disk is then {@link #disk()}. */
    public boolean isPartition() {
        return Files.exists(sysDir.resolve("partition"));
    }

    /** The whole disk of a partition, or this device. */
    public BlockDevice disk() throws IOException {
        if (!isPartition()) {
            return this;
        }
        return of(DeviceId.parse(read(sysDir.getParent().resolve("dev"))));
    }

    /** Devices this one is built on (device-mapper targets, md members): sysfs "slaves". */
    public List<BlockDevice> slaves() throws IOException {
        List<BlockDevice> out = new ArrayList<>();
        Path dir = sysDir.resolve("slaves");
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path s : ds) {
                    out.add(of(DeviceId.parse(read(s.toRealPath().resolve("dev")))));
                }
            }
        }
        return out;
    }

    /** A loop device's backing file, or null (not a loop device, or detached). */
    public Path loopBackingFile() throws IOException {
        Path f = sysDir.resolve("loop").resolve("backing_file");
        if (!Files.exists(f)) {
            return null;
        }
        String s = read(f);
        if (s.endsWith(" (deleted)")) {
            s = s.substring(0, s.length() - " (deleted)".length());
        }
        return s.isEmpty() ? null : Path.of(s);
    }

    /**
     * Logical block size in bytes: the unit O_DIRECT offsets and lengths must be multiples of.
     * BLKSSZGET on the node; sysfs ({@code queue/logical_block_size} of the disk) when the node
     * cannot be opened.
     */
    public int logicalBlockSize() throws IOException {
        try {
            int fd = LibC.openReadOnly(devNode().toString());
            try {
                IntByReference size = new IntByReference();
                if (LibC.calls().ioctl(fd, BLKSSZGET, size) == 0 && size.intValue() > 0) {
                    return size.intValue();
                }
            } finally {
                LibC.calls().close(fd);
            }
        } catch (IOException e) {
            // fall through to sysfs
        }
        return Integer.parseInt(read(disk().sysDir.resolve("queue").resolve("logical_block_size")));
    }

    @Override
    public String toString() {
        return name + " (" + id + ")";
    }

    private static String ueventValue(Path sysDir, String key) throws IOException {
        Path uevent = sysDir.resolve("uevent");
        if (!Files.exists(uevent)) {
            return null;
        }
        for (String line : Files.readAllLines(uevent, StandardCharsets.UTF_8)) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        return null;
    }

    private static String read(Path p) throws IOException {
        return new String(Files.readAllBytes(p), StandardCharsets.UTF_8).trim();
    }
}
