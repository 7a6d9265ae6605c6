package io.bitmirror.raid.array;

/**
 * What never changes while an array runs: its identity and shape, as the freshest member's
 * superblock gave them at assembly.
 *
 * @param metadataVersion where the superblocks sit (1.0, 1.1, 1.2)
 * @param unitBytes the sync barrier's unit: the bitmap chunk, or {@link #NO_BITMAP_UNIT}
 */
record ArrayGeometry(byte[] uuid, String name, String metadataVersion, long sizeBytes, int raidDisks,
        long unitBytes) {
    /** Barrier unit without a bitmap: 1 MiB windows. */
    static final long NO_BITMAP_UNIT = 1 << 20;

    /** The name without its host part, for thread names. */
    String shortName() {
        int colon = name.indexOf(':');
        return colon >= 0 ? name.substring(colon + 1) : name;
    }
}
