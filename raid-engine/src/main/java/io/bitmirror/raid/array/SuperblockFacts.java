package io.bitmirror.raid.array;

/**
 * What {@code detail} shows from the superblock beside {@link ArrayStatus}, as {@code mdadm
 * --detail} and {@code -E} show it: read from the in-memory superblock of the first member
 * present.
 *
 * @param ctimeSeconds creation time, seconds since the epoch (sb ctime without its microseconds)
 * @param utimeSeconds last superblock update, seconds since the epoch
 * @param usedDevSectors the size used on each member (sb size), 512-byte sectors
 * @param internalBitmap the superblock says the bitmap sits next to it (feature map bit 0)
 */
public record SuperblockFacts(long ctimeSeconds, long utimeSeconds, long usedDevSectors, boolean internalBitmap) {
}
