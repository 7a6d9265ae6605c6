package io.bitmirror.bitmapfile;

import static io.bitmirror.bitmapfile.BitmapFileException.about;

import io.bitmirror.bitmapfile.config.ArrayRecord;
import io.bitmirror.bitmapfile.config.BitmapRegistry;
import io.bitmirror.bitmapfile.extent.ExtentMap;
import io.bitmirror.bitmapfile.extent.ExtentResolver;
import io.bitmirror.bitmapfile.fs.BlockDevice;
import io.bitmirror.bitmapfile.fs.DeviceId;
import io.bitmirror.bitmapfile.fs.Placement;
import io.bitmirror.bitmapfile.store.DirectFileReader;
import io.bitmirror.bitmapfile.store.ExternalBitmapStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The external bitmap file, as the CLI uses it (DESIGN.md W7):
 * <ol>
 * <li>{@code create}: {@link #validateLocation} before anything is written, then
 * {@link BitmapFileWriter#create} (every byte through the filesystem, fsync), then
 * {@link #register};</li>
 * <li>{@code assemble}: {@link #find} when no path was given, then {@link #open}, which returns
 * the running store; closing it is the clean stop.</li>
 * </ol>
 * Every refusal is a {@link BitmapFileException} with a one-line message naming the reason.
 */
public final class ExternalBitmap {
    private ExternalBitmap() {
    }

    /**
     * Checks where a new bitmap file would live, before anything is written: its directory is
     * on ext2/3/4 or xfs, on a block device, not mounted data=journal, and the filesystem does
     * not live on one of {@code members} (directly, through a partition, device-mapper, or a
     * loop device backed by a member image file) nor on an NBD device (maybe the array itself).
     *
     * @throws BitmapFileException naming the reason
     */
    public static void validateLocation(Path file, List<Path> members) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = Files.isDirectory(abs) ? abs : abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new BitmapFileException(about(file) + "directory " + dir + " does not exist");
        }
        Placement.check(dir, abs, members);
    }

    /**
     * Records a freshly written bitmap file as {@code arrayUuid}'s: resolves its extents
     * (FIEMAP with sync), refuses holes, unwritten, delayed, shared, encoded, inline or
     * misaligned extents, and writes the ARRAY line to the registry ({@code config}, else
     * {@code $BITMIRROR_CONF}, else /etc/bitmirror/bitmirror.conf), replacing an older one.
     *
     * @return the record written
     * @throws BitmapFileException naming the reason
     */
    public static ArrayRecord register(Path file, byte[] arrayUuid, List<Path> members, Path config)
            throws IOException {
        Path abs = file.toAbsolutePath();
        if (!Files.isRegularFile(abs)) {
            throw new BitmapFileException(about(file) + "is not a regular file");
        }
        BlockDevice dev = Placement.check(abs.getParent(), abs, members);
        ExtentMap map = ExtentResolver.resolve(abs);
        map.validate(abs, dev.logicalBlockSize());
        ArrayRecord r = new ArrayRecord(arrayUuid, abs, dev.id(), inode(abs), map);
        BitmapRegistry.locate(config).put(r);
        return r;
    }

    /** Same as {@link #register(Path, byte[], List, Path)} with no member list to check against. */
    public static ArrayRecord register(Path file, byte[] arrayUuid, Path config) throws IOException {
        return register(file, arrayUuid, List.of(), config);
    }

    /** The registered bitmap file of {@code arrayUuid}, if any. */
    public static Optional<Path> find(byte[] arrayUuid, Path config) throws IOException {
        return BitmapRegistry.locate(config).find(arrayUuid).map(ArrayRecord::bitmap);
    }

    /**
     * Opens the bitmap file of a starting array and returns the running store. Checks the
     * location again (filesystem, members), locks the file and sets its immutable flag, fsyncs
     * it, resolves its extents again and compares device, inode, size and extents with the
     * registered record. A difference (or no record) is refused unless {@code rebuild}: then the
     * new extents are validated and recorded instead, and the caller must rewrite the bitmap and
     * resync the whole array, since the file's contents cannot be trusted
     * ({@link OpenResult#rebuilt()}).
     *
     * @throws BitmapFileException naming the reason
     */
    public static OpenResult open(Path file, byte[] arrayUuid, List<Path> members, Path config, boolean rebuild)
            throws IOException {
        Path abs = file.toAbsolutePath();
        if (!Files.isRegularFile(abs)) {
            throw new BitmapFileException(about(file) + "does not exist or is not a regular file");
        }
        BlockDevice dev = Placement.check(abs.getParent(), abs, members);
        BitmapRegistry registry = BitmapRegistry.locate(config);
        Optional<ArrayRecord> recorded = registry.find(arrayUuid);
        long ino = inode(abs);
        boolean[] changed = {false};
        ExternalBitmapStore store = ExternalBitmapStore.open(abs, dev, arrayUuid, resolved -> {
            String diff = difference(recorded, abs, dev.id(), ino, resolved, registry.path());
            if (diff != null) {
                if (!rebuild) {
                    throw new BitmapFileException(about(file) + diff
                            + "; refusing to write to it; rebuild it (full resync) to accept the new location");
                }
                registry.put(new ArrayRecord(arrayUuid, abs, dev.id(), ino, resolved));
                changed[0] = true;
            }
        });
        return new OpenResult(store, changed[0]);
    }

    /**
     * The store and whether it was rebuilt.
     *
     * @param rebuilt true when the record was missing or differed and {@code rebuild} accepted
     *     it: the bitmap's bits mean nothing, the caller rewrites them and resyncs everything
     */
    public record OpenResult(ExternalBitmapStore store, boolean rebuilt) {
    }

    /** The first {@code max} bytes of {@code file} read with O_DIRECT (what is on the disk). */
    public static ByteBuffer readDirect(Path file, int max) throws IOException {
        return DirectFileReader.read(file, max);
    }

    private static String difference(Optional<ArrayRecord> recorded, Path file, DeviceId dev, long ino,
            ExtentMap now, Path registry) {
        if (recorded.isEmpty()) {
            return "is not registered for this array in " + registry;
        }
        ArrayRecord r = recorded.get();
        if (!r.bitmap().equals(file)) {
            return "the array's registered bitmap file is " + r.bitmap() + ", not this one";
        }
        if (!r.device().equals(dev)) {
            return "now on device " + dev + ", registered on " + r.device();
        }
        if (r.inode() != ino) {
            return "inode is now " + ino + ", registered " + r.inode() + " (the file was replaced)";
        }
        if (r.extents().size() != now.size()) {
            return "size is now " + now.size() + " bytes, registered " + r.extents().size();
        }
        if (!r.extents().sameAs(now)) {
            return "extents changed since registration (now " + now.format() + ", registered "
                    + r.extents().format() + ")";
        }
        return null;
    }

    private static long inode(Path p) throws IOException {
        return (Long) Files.getAttribute(p, "unix:ino");
    }
}
