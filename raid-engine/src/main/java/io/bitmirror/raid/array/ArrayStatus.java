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
 * @param state "clean", "active", with ", degraded", ", read-only", ", resync=PENDING" (read-only and
 *     not stopped cleanly: the resync waits for a read-write assembly), ", resyncing", ", recovering",
 *     ", checking" or ", repairing" appended
 * @param events superblock events
 * @param members per position
 * @param syncAction md's sync_action: "resync", "recovery", "check", "repair" or "idle"
 * @param syncDoneSectors sectors done of the current pass (resync, recovery, check, repair)
 * @param syncTotalSectors sectors it covers
 * @param syncSpeedKiB current speed
 * @param bitmapChunks chunks in the bitmap (0 without one)
 * @param dirtyChunks set bits
 * @param bitmapChunkBytes bytes per chunk
 * @param bitmapPageWrites bitmap pages written so far
 * @param bitmapEpochs group-commit flush rounds so far
 * @param resyncedChunks chunks copied by resync/recovery since assembly
 * @param resyncedBytes bytes copied by resync/recovery since assembly
 * @param mismatchSectors md's mismatch_cnt: 512-byte sectors found differing by the last (or the
 *     running) check or repair, counted per differing 4 KiB block and member; 0 before any
 * @param io client requests completed since assembly
 * @param memberIo how member requests are performed: "aio", "threads" or "inline" ({@code --member-io})
 * @param cache the members' cache mode: "none" (O_DIRECT) or "writeback" (the page cache, {@code --cache})
 * @param links the remote members' links (empty without remote members)
 * @param writesBehind writes still going to write-mostly members after they were acknowledged
 */
public record ArrayStatus(String uuid, String name, String metadataVersion, long sizeBytes, int raidDisks, String state, long events,
        List<Member> members, String syncAction, long syncDoneSectors, long syncTotalSectors, long syncSpeedKiB,
        long bitmapChunks, long dirtyChunks, long bitmapChunkBytes, long bitmapPageWrites, long bitmapEpochs,
        long resyncedChunks, long resyncedBytes, long mismatchSectors, Io io, String memberIo,
        String cache, List<RemoteLink> links, int writesBehind) {

    /**
     * Client requests completed without error since assembly (the array's own I/O, resync and
     * repairs not included); a read or write counts once however many slots it spans.
     */
    public record Io(long reads, long readBytes, long writes, long writeBytes, long trims, long trimBytes,
            long flushes) {
    }

    /**
     * A remote member's link.
     *
     * @param device its URI
     * @param state "connected", "reconnecting", "catching-up" or "manual" (failed or removed by
     *     request, or {@code --no-reconnect}: re-added by hand only)
     * @param sinceMillis when it entered that state (epoch milliseconds)
     * @param lastError why the last reconnect attempt failed, or null
     * @param attempts reconnect attempts since the link broke
     */
    public record RemoteLink(String device, String state, long sinceMillis, String lastError, int attempts) {
    }

    /** One member position. */
    public record Member(int slot, String device, MemberState state, boolean writeMostly) {
    }

    public boolean degraded() {
        return state.contains("degraded");
    }

    /** Assembled read-only: nothing is written to the members. */
    public boolean readOnly() {
        return state.contains("read-only");
    }

    /** Read-only and not stopped cleanly: a resync waits for the next read-write assembly. */
    public boolean resyncPending() {
        return state.contains("resync=PENDING");
    }
}
