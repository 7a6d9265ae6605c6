package io.bitmirror.raid.create;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What {@code create} was asked for.
 *
 * @param level RAID level (only 1 is accepted)
 * @param raidDevices number of active members
 * @param bitmap where the bitmap lives
 * @param bitmapFile the external bitmap file for {@link BitmapMode#FILE}, else null
 * @param bitmapChunkBytes bitmap chunk in bytes, 0 for mdadm's default
 * @param name array name (stored as "homehost:name")
 * @param homehost host part of the stored name, or null to store the name alone
 * @param sizeSectors used sectors per member, 0 for the largest that fits every member
 * @param assumeClean members are known identical: bitmap clear and superblock clean
 * @param force overwrite existing md superblocks and filesystem signatures
 * @param devices the members, in slot order
 * @param now creation time
 */
public record CreateSpec(int level, int raidDevices, BitmapMode bitmap, Path bitmapFile, long bitmapChunkBytes,
        String name, String homehost, long sizeSectors, boolean assumeClean, boolean force, List<Path> devices,
        Instant now) {
}
