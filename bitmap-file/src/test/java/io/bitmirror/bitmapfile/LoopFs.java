package io.bitmirror.bitmapfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A filesystem image in a sparse file, attached to a loop device and mounted; {@link #close()}
 * unmounts and detaches even after a failed test (clearing an immutable flag left behind).
 */
public final class LoopFs implements AutoCloseable {
    private final Path image;
    private final String loop;
    private final Path mount;

    private LoopFs(Path image, String loop, Path mount) {
        this.image = image;
        this.loop = loop;
        this.mount = mount;
    }

    /** ext4 with {@code blockSize}-byte blocks. */
    public static LoopFs ext4(Path dir, String name, long bytes, int blockSize) throws Exception {
        Host.requireLoopDevices();
        Host.requireTools("mkfs.ext4", "mount");
        return make(dir, name, bytes, "mkfs.ext4", "-q", "-F", "-b", Integer.toString(blockSize));
    }

    /** xfs with reflink (xfs needs at least 300 MiB; the image is sparse). */
    public static LoopFs xfs(Path dir, String name) throws Exception {
        Host.requireLoopDevices();
        Host.requireTools("mkfs.xfs", "mount");
        return make(dir, name, 320L << 20, "mkfs.xfs", "-q", "-f", "-m", "reflink=1");
    }

    private static LoopFs make(Path dir, String name, long bytes, String... mkfs) throws Exception {
        Path image = dir.resolve(name + ".img");
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(bytes);
        }
        List<String> cmd = new ArrayList<>(List.of(mkfs));
        cmd.add(image.toString());
        Host.run(cmd.toArray(String[]::new)).ok();
        // Root, losetup, loop-control and mount are there (checked above): a failure here is the
        // machine or the code misbehaving, a test failure, never a skip.
        String loop = Host.run("losetup", "-f", "--show", image.toString()).ok().out().trim();
        Path mount = Files.createDirectories(dir.resolve(name + ".mnt"));
        Host.Run m = Host.run("mount", loop, mount.toString());
        if (m.rc() != 0) {
            Host.run("losetup", "-d", loop);
            throw new AssertionError("mount " + loop + " " + mount + " failed: " + m.err().trim());
        }
        return new LoopFs(image, loop, mount);
    }

    public Path image() {
        return image;
    }

    public Path loop() {
        return Path.of(loop);
    }

    public Path mount() {
        return mount;
    }

    public Path file(String name) {
        return mount.resolve(name);
    }

    @Override
    public void close() throws IOException {
        try {
            Host.run("sh", "-c", "chattr -R -i " + mount + " 2>/dev/null");
            Host.Run u = Host.run("umount", mount.toString());
            if (u.rc() != 0) {
                Host.run("umount", "-l", mount.toString());
            }
            Host.run("losetup", "-d", loop);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unmounting " + mount, e);
        }
    }
}
