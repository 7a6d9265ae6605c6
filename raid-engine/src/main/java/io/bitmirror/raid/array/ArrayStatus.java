package io.bitmirror.raid.array;

import java.util.List;

/**
 * A snapshot of the array for {@code detail} and for embedding programs.
 *
 * @param uuid array uuid as mdadm prints it
 * @param name array name
 * @param metadataVersion the superblock placement, "1.0", "1.1" or "1.2" (mdadm's Version)
 * @param sizeBytes usable bytes
 * @param raidDisks member positions
 * @param state "clean", "active", with ", degraded", ", resyncing", ", recovering" appended
 * @param events superblock events
 * @param members per position
 * @param syncAction "resync", "recovery" or "idle"
 * @param syncDoneSectors sectors done of the current resync/recovery
 * @param syncTotalSectors sectors it covers
 * @param syncSpeedKiB current speed
 * @param bitmapChunks chunks in the bitmap (0 without one)
 * @param dirtyChunks set bits
 * @param bitmapChunkBytes bytes per chunk
 * @param bitmapPageWrites bitmap pages written so far
 * @param bitmapEpochs group-commit flush rounds so far
 * @param resyncedChunks chunks copied by resync/recovery since assembly
 * @param resyncedBytes bytes copied by resync/recovery since assembly
 */
public record ArrayStatus(String uuid, String name, String metadataVersion, long sizeBytes, int raidDisks, String state, long events,
        List<Member> members, String syncAction, long syncDoneSectors, long syncTotalSectors, long syncSpeedKiB,
        long bitmapChunks, long dirtyChunks, long bitmapChunkBytes, long bitmapPageWrites, long bitmapEpochs,
        long resyncedChunks, long resyncedBytes) {

    /** One member position. */
    public record Member(int slot, String device, MemberState state, boolean writeMostly) {
    }

    public boolean degraded() {
        return state.contains("degraded");
    }
}
