package io.bitmirror.bitmapfile.fs;

import static io.bitmirror.bitmapfile.BitmapFileException.about;

import io.bitmirror.bitmapfile.BitmapFileException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a bitmap file may live: on an allowed filesystem (see {@link FsType}) whose device
 * stack contains none of the array's members, no image file of a member (through a loop
 * device), no NBD device (the array is served over NBD, so it may be the array itself), and
 * not mounted with {@code data=journal} (the journal would later write old file bytes over our
 * direct writes). The checks walk the whole stack under the filesystem: partition to disk,
 * device-mapper and md slaves, loop device to its backing file and on to the filesystem that
 * holds that file.
 */
public final class Placement {
    private Placement() {
    }

    /**
     * Checks {@code dir} (an existing directory or file) as the home of {@code file}.
     *
     * @return the block device under the filesystem, the one FIEMAP addresses refer to
     * @throws BitmapFileException naming the reason
     */
    public static BlockDevice check(Path dir, Path file, List<Path> members) throws IOException {
        FsType.requireStable(dir, file);
        DeviceId fsDev = DeviceId.holding(dir);
        BlockDevice dev;
        try {
            dev = BlockDevice.of(fsDev);
        } catch (IOException e) {
            throw new BitmapFileException(about(file) + "its filesystem is not on a block device (" + e.getMessage()
                    + "); use ext2/3/4 or xfs on a disk, partition or loop device");
        }
        refuseDataJournal(fsDev, file);
        refuseMembers(dev, file, members);
        return dev;
    }

    private static void refuseMembers(BlockDevice fsDev, Path file, List<Path> members) throws IOException {
        Set<DeviceId> memberDevices = new HashSet<>();
        List<Object[]> memberFiles = new ArrayList<>();
        for (Path m : members) {
            if (!Files.exists(m)) {
                continue;
            }
            if (Files.isRegularFile(m)) {
                memberFiles.add(new Object[] {m, fileKey(m)});
            } else {
                memberDevices.add(DeviceId.named(m));
            }
        }
        Deque<BlockDevice> todo = new ArrayDeque<>();
        Set<DeviceId> seen = new HashSet<>();
        todo.add(fsDev);
        while (!todo.isEmpty()) {
            BlockDevice d = todo.poll();
            if (!seen.add(d.id())) {
                continue;
            }
            if (memberDevices.contains(d.id())) {
                throw new BitmapFileException(about(file) + "its filesystem lives on " + d
                        + ", which is a member of the array; put the bitmap on a device outside the array");
            }
            if (d.name().startsWith("nbd")) {
                throw new BitmapFileException(about(file) + "its filesystem lives on NBD device " + d
                        + ", which may be the array itself; put the bitmap on a local disk outside the array");
            }
            if (d.isPartition()) {
                todo.add(d.disk());
            }
            todo.addAll(d.slaves());
            Path backing = d.loopBackingFile();
            if (backing != null && Files.exists(backing)) {
                Object key = fileKey(backing);
                for (Object[] mf : memberFiles) {
                    if (key.equals(mf[1])) {
                        throw new BitmapFileException(about(file) + "its filesystem lives on " + d + ", backed by "
                                + backing + ", which is member " + mf[0]
                                + " of the array; put the bitmap on a device outside the array");
                    }
                }
                try {
                    todo.add(BlockDevice.of(DeviceId.holding(backing)));
                } catch (IOException e) {
                    // The backing file is on a filesystem without a block device: nothing below.
                }
            }
        }
    }

    /** Device and inode: the identity of a file whatever path names it. */
    private static Object fileKey(Path p) throws IOException {
        return List.of(Files.getAttribute(p, "unix:dev"), Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS));
    }

    /** ext3/ext4 with data=journal writes file data through the journal: refused. */
    private static void refuseDataJournal(DeviceId fsDev, Path file) throws IOException {
        Path mountinfo = Path.of("/proc/self/mountinfo");
        if (!Files.exists(mountinfo)) {
            return;
        }
        for (String line : Files.readAllLines(mountinfo, StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length < 3 || !f[2].equals(fsDev.toString())) {
                continue;
            }
            int dash = line.indexOf(" - ");
            String superOptions = dash < 0 ? "" : line.substring(dash + 3);
            for (String opt : superOptions.split("[ ,]")) {
                if (opt.equals("data=journal")) {
                    throw new BitmapFileException(about(file) + "its filesystem (" + fsDev
                            + ") is mounted with data=journal, whose journal would write old file bytes over"
                            + " direct writes; mount it with data=ordered or use another filesystem");
                }
            }
        }
    }
}
