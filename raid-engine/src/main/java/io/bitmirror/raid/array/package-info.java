/**
 * The running RAID-1 array: assemble (validate members, pick the freshest superblock, load the
 * bitmap), the write path in write-intent order (W1), member failure (degraded, W4), resync and
 * recovery in the background, superblock upkeep (events, md's safe mode), and the embedding API
 * ({@link io.bitmirror.raid.array.RaidArray}).
 */
package io.bitmirror.raid.array;
