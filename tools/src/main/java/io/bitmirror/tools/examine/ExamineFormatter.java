package io.bitmirror.tools.examine;

import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.MdTime;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;
import io.bitmirror.raid.superblock.SuperblockVersion;

import java.io.PrintWriter;

/**
 * Prints a v1 superblock with the labels, values, order and blank lines of mdadm 4.2's
 * {@code --examine}. It prints what is on disk, also when the checksum is wrong (as mdadm).
 */
public final class ExamineFormatter {
    private ExamineFormatter() {
    }

    /**
     * @param deviceSectors size of the device, for the unused-space line
     * @param bitmap the internal bitmap superblock, or null (mdadm then sizes the bitmap as empty)
     * @param homehost this host's name, for "(local to host ...)"
     */
    public static void print(PrintWriter out, Superblock sb, long deviceSectors, BitmapSuperblock bitmap,
            String homehost) {
        int expectedCsum = sb.computeChecksum();
        int features = sb.featureMap();
        long superOffset = sb.superOffset();
        out.printf("          Magic : %08x%n", sb.magic());
        out.printf("        Version : %s%n", SuperblockVersion.fromSuperOffset(superOffset).label());
        out.printf("    Feature Map : 0x%x%n", features);
        out.printf("     Array UUID : %s%n", Uuids.mdadm(sb.setUuid()));
        String name = sb.setName();
        String local = "";
        int l = homehost == null ? 0 : homehost.length();
        if (l > 0 && l < 32 && name.length() > l && name.charAt(l) == ':' && name.startsWith(homehost)) {
            local = "  (local to host " + homehost + ")";
        }
        out.printf("           Name : %s%s%n", name, local);
        if (bitmap != null && bitmap.nodes() > 0 && (features & FeatureMap.BITMAP_OFFSET) != 0) {
            out.printf("   Cluster Name : %-64s%n", clusterName(bitmap));
        }
        out.printf("  Creation Time : %s%n", MdadmText.ctime(MdTime.seconds(sb.ctime())));
        out.printf("     Raid Level : %s%n", MdadmText.level(sb.level()));
        out.printf("   Raid Devices : %d%n", sb.raidDisks());
        out.println();
        long dataSize = sb.dataSize();
        out.printf(" Avail Dev Size : %s sectors%s%n", Long.toUnsignedString(dataSize), MdadmText.humanSize(dataSize << 9));
        if (sb.level() > 0) {
            long dataDisks = dataDisks(sb);
            if (dataDisks > 0) {
                long asize = (sb.size() << 9) * dataDisks;
                out.printf("     Array Size : %d KiB%s%n", asize >> 10, MdadmText.humanSize(asize));
            }
            if (sb.size() != dataSize) {
                out.printf("  Used Dev Size : %s sectors%s%n", Long.toUnsignedString(sb.size()),
                        MdadmText.humanSize(sb.size() << 9));
            }
        }
        if (sb.dataOffset() != 0) {
            out.printf("    Data Offset : %s sectors%n", Long.toUnsignedString(sb.dataOffset()));
        }
        if (sb.newOffset() != 0 && (features & FeatureMap.NEW_OFFSET) != 0) {
            out.printf("     New Offset : %d sectors%n", sb.dataOffset() + sb.newOffset());
        }
        out.printf("   Super Offset : %s sectors%n", Long.toUnsignedString(superOffset));
        if ((features & FeatureMap.RECOVERY_OFFSET) != 0) {
            out.printf("Recovery Offset : %s sectors%n", Long.toUnsignedString(sb.recoveryOffset()));
        }
        long[] space = unusedSpace(sb, deviceSectors, bitmap);
        long before = space[0];
        long after = space[1];
        if (after != 1 && (features & FeatureMap.NEW_OFFSET) == 0) {
            if (after >= 0) {
                out.printf("   Unused Space : before=%s sectors, after=%d sectors%n", Long.toUnsignedString(before),
                        after);
            } else {
                out.printf("   Unused Space : before=%s sectors, after=-%d sectors DEVICE TOO SMALL%n",
                        Long.toUnsignedString(before), -1 - after);
            }
        }
        out.printf("          State : %s%s%n", sb.isClean() ? "clean" : "active", after < 0 ? " TRUNCATED DEVICE" : "");
        out.printf("    Device UUID : %s%n", Uuids.mdadm(sb.deviceUuid()));
        out.println();
        if ((features & FeatureMap.BITMAP_OFFSET) != 0) {
            out.printf("Internal Bitmap : %d sectors from superblock%n", sb.bitmapOffset());
        }
        if ((features & FeatureMap.RESHAPE_ACTIVE) != 0) {
            out.printf("  Reshape pos'n : %d%s%n", sb.reshapePosition() / 2, MdadmText.humanSize(sb.reshapePosition() << 9));
            if (sb.deltaDisks() != 0) {
                out.printf("  Delta Devices : %d (%d->%d)%n", sb.deltaDisks(), sb.raidDisks() - sb.deltaDisks(),
                        sb.raidDisks());
            }
            if (sb.newLevel() != sb.level()) {
                out.printf("      New Level : %s%n", MdadmText.level(sb.newLevel()));
            }
            if (sb.newChunk() != sb.chunksize()) {
                out.printf("  New Chunksize : %dK%n", sb.newChunk() / 2);
            }
            out.println();
        }
        if (sb.devflags() != 0) {
            out.print("          Flags :");
            if ((sb.devflags() & SuperblockLayout.DEVFLAG_WRITE_MOSTLY) != 0) {
                out.print(" write-mostly");
            }
            if ((sb.devflags() & SuperblockLayout.DEVFLAG_FAILFAST) != 0) {
                out.print(" failfast");
            }
            out.println();
        }
        out.printf("    Update Time : %s%n", MdadmText.ctime(MdTime.seconds(sb.utime())));
        if (sb.bblogSize() != 0 && sb.bblogOffset() != 0) {
            out.printf("  Bad Block Log : %d entries available at offset %d sectors%s%n", sb.bblogSize() * 512 / 8,
                    sb.bblogOffset(), (features & FeatureMap.BAD_BLOCKS) != 0 ? " - bad blocks present." : "");
        }
        if (expectedCsum == sb.sbCsum()) {
            out.printf("       Checksum : %x - correct%n", sb.sbCsum());
        } else {
            out.printf("       Checksum : %x - expected %x%n", sb.sbCsum(), expectedCsum);
        }
        out.printf("         Events : %s%n", Long.toUnsignedString(sb.events()));
        out.println();
        if (sb.level() == 0 || sb.level() == 4 || sb.level() == 5 || sb.level() == 6 || sb.level() == 10) {
            out.printf("     Chunk Size : %dK%n", sb.chunksize() / 2);
        } else if (sb.level() == -1) {
            out.printf("       Rounding : %dK%n", sb.chunksize() / 2);
        }
        out.println();
        out.print("   Device Role : ");
        int role = sb.role();
        if (role >= SuperblockLayout.ROLE_FAULTY) {
            out.println("spare");
        } else if (role == SuperblockLayout.ROLE_JOURNAL) {
            out.println("Journal");
        } else if ((features & FeatureMap.REPLACEMENT) != 0) {
            out.printf("Replacement device %d%n", role);
        } else {
            out.printf("Active device %d%n", role);
        }
        printArrayState(out, sb);
    }

    private static void printArrayState(PrintWriter out, Superblock sb) {
        int deltaExtra = (sb.featureMap() & FeatureMap.RESHAPE_ACTIVE) != 0 && sb.deltaDisks() < 0 ? -sb.deltaDisks() : 0;
        int maxDev = Math.min(sb.maxDev(), SuperblockLayout.MAX_DEV_LIMIT);
        int slots = sb.raidDisks() + deltaExtra;
        boolean inconsistent = false;
        StringBuilder state = new StringBuilder();
        for (int d = 0; d < slots; d++) {
            int cnt = 0;
            for (int i = 0; i < maxDev; i++) {
                if (sb.devRole(i) == d) {
                    cnt++;
                }
            }
            if (cnt == 2 && sb.level() > 0) {
                state.append('R');
            } else if (cnt == 1) {
                state.append('A');
            } else if (cnt == 0) {
                state.append('.');
            } else {
                state.append('?');
                inconsistent = true;
            }
        }
        out.printf("   Array State : %s ('A' == active, '.' == missing, 'R' == replacing)%n", state);
        for (int i = 0; i < maxDev; i++) {
            int r = sb.devRole(i);
            if (r <= SuperblockLayout.ROLE_MAX && r > slots) {
                inconsistent = true;
            }
        }
        if (inconsistent) {
            out.println("WARNING Array state is inconsistent - each number should appear only once");
            StringBuilder roles = new StringBuilder();
            for (int i = 0; i < maxDev; i++) {
                int r = sb.devRole(i);
                roles.append(' ').append(i).append(':').append(r >= SuperblockLayout.ROLE_FAULTY ? "-" : String.valueOf(r));
            }
            out.println(roles);
        }
    }

    private static long dataDisks(Superblock sb) {
        switch (sb.level()) {
            case 1: return 1;
            case 4: case 5: return sb.raidDisks() - 1;
            case 6: return sb.raidDisks() - 2;
            case 10: {
                int layout = sb.layout();
                int denom = (layout & 255) * ((layout >> 8) & 255);
                return denom == 0 ? 0 : sb.raidDisks() / denom;
            }
            default: return 0;
        }
    }

    /**
     * Unused space before and after the data, as mdadm computes it (getinfo_super1), including
     * its quirk of comparing the bitmap's relative end with an absolute sector. A negative
     * {@code after} means the device is smaller than the superblock says.
     */
    static long[] unusedSpace(Superblock sb, long deviceSectors, BitmapSuperblock bitmap) {
        long dataOffset = sb.dataOffset();
        long superOffset = sb.superOffset();
        long dataSize = sb.level() <= 0 ? sb.dataSize() : sb.size();
        long bitmapOffset = (sb.featureMap() & FeatureMap.BITMAP_OFFSET) != 0 ? sb.bitmapOffset() : 0;
        long before;
        long after;
        if (dataOffset < superOffset) {
            before = dataOffset;
            long end = superOffset;
            if (sb.bblogOffset() != 0 && sb.bblogSize() != 0) {
                end = Math.min(end, superOffset + sb.bblogOffset());
            }
            end = Math.min(end, superOffset + bitmapOffset);
            after = dataOffset + dataSize < end ? end - dataSize - dataOffset : 0;
        } else {
            long earliest = superOffset + (32 + 4) * 2;
            if (bitmapOffset > 0) {
                long bmSectors = bitmap == null ? BitmapGeometry.roundedBytes(0, 4096) / 512
                        : BitmapGeometry.roundedBytes(bitmap.chunks(), 4096) / 512;
                earliest = Math.max(earliest, bitmapOffset + bmSectors);
            }
            if (sb.bblogOffset() != 0 && sb.bblogSize() != 0) {
                earliest = Math.max(earliest, superOffset + sb.bblogOffset() + sb.bblogSize());
            }
            before = earliest < dataOffset ? dataOffset - earliest : 0;
            after = deviceSectors - dataSize - dataOffset;
        }
        if (before == 0 && after == 0) {
            after = 1;
        }
        return new long[] {before, after};
    }

    private static String clusterName(BitmapSuperblock b) {
        byte[] n = new byte[64];
        b.buffer().get(b.offset() + io.bitmirror.bitmap.format.BitmapSuperblockLayout.CLUSTER_NAME_OFFSET, n, 0, 64);
        int len = 0;
        while (len < 64 && n[len] != 0) {
            len++;
        }
        return new String(n, 0, len, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
