package io.bitmirror.bitmapfile.fs;

import io.bitmirror.bitmapfile.BitmapFileException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Which filesystems may hold an external bitmap: those whose file blocks have stable physical
 * addresses on one block device, i.e. ext2/3/4 and xfs. Everything else is refused by name: a
 * copy-on-write filesystem moves blocks on every write, a memory filesystem has no device, a
 * network, FUSE or overlay filesystem hides the device, a compressed one stores other bytes.
 * The test is statfs(2)'s {@code f_type}, the magic number the kernel reports for the mount.
 */
public final class FsType {
    private FsType() {
    }

    /** Size of struct statfs on 64-bit Linux (x86_64 and aarch64). */
    static final int STATFS_LENGTH = 120;
    /** Offset of {@code f_type} (a long) in struct statfs. */
    static final int F_TYPE_OFFSET = 0;

    public static final long EXT234 = 0xEF53L;
    public static final long XFS = 0x58465342L;
    public static final long BTRFS = 0x9123683EL;
    public static final long TMPFS = 0x01021994L;
    public static final long OVERLAYFS = 0x794C7630L;
    public static final long NFS = 0x6969L;
    public static final long FUSE = 0x65735546L;
    public static final long ZFS = 0x2FC12FC1L;
    public static final long RAMFS = 0x858458F6L;
    public static final long SQUASHFS = 0x73717368L;
    public static final long F2FS = 0xF2F52010L;
    public static final long BCACHEFS = 0xCA451A4EL;
    public static final long CIFS = 0xFF534D42L;
    public static final long SMB2 = 0xFE534D42L;
    public static final long NILFS = 0x3434L;
    public static final long CEPH = 0x00C36400L;
    public static final long ECRYPTFS = 0xF15FL;

    /** True for the filesystems whose block addresses we trust. */
    public static boolean allowed(long fType) {
        return fType == EXT234 || fType == XFS;
    }

    /** A name for {@code fType}, or "an unknown filesystem". */
    public static String name(long fType) {
        if (fType == EXT234) {
            return "ext2/3/4";
        } else if (fType == XFS) {
            return "xfs";
        } else if (fType == BTRFS) {
            return "btrfs";
        } else if (fType == TMPFS) {
            return "tmpfs";
        } else if (fType == OVERLAYFS) {
            return "overlayfs";
        } else if (fType == NFS) {
            return "nfs";
        } else if (fType == FUSE) {
            return "fuse";
        } else if (fType == ZFS) {
            return "zfs";
        } else if (fType == RAMFS) {
            return "ramfs";
        } else if (fType == SQUASHFS) {
            return "squashfs";
        } else if (fType == F2FS) {
            return "f2fs";
        } else if (fType == BCACHEFS) {
            return "bcachefs";
        } else if (fType == CIFS) {
            return "cifs";
        } else if (fType == SMB2) {
            return "smb2";
        } else if (fType == NILFS) {
            return "nilfs2";
        } else if (fType == CEPH) {
            return "ceph";
        } else if (fType == ECRYPTFS) {
            return "ecryptfs";
        }
        return "an unknown filesystem";
    }

    /** statfs(2) {@code f_type} of the filesystem holding {@code path}. */
    public static long of(Path path) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(STATFS_LENGTH).order(ByteOrder.nativeOrder());
        if (LibC.calls().statfs(path.toString(), buf) != 0) {
            throw new BitmapFileException(BitmapFileException.about(path) + "statfs failed: " + LibC.lastError());
        }
        // f_type is a signed long; magic numbers with the top bit of the low word set come back
        // sign-extended on some ABIs, so compare the low 32 bits only.
        return buf.getLong(F_TYPE_OFFSET) & 0xFFFFFFFFL;
    }

    /**
     * Refuses unless {@code path}'s filesystem is on the allow-list.
     *
     * @param file the bitmap file named in the message (may differ from {@code path}, its parent)
     */
    public static void requireStable(Path path, Object file) throws IOException {
        long t = of(path);
        if (!allowed(t)) {
            throw new BitmapFileException(BitmapFileException.about(file) + "on " + name(t) + " (f_type "
                    + String.format("0x%08x", t) + "), which has no stable block addresses; use ext2/3/4 or xfs");
        }
    }
}
