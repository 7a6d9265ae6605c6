/**
 * The running RAID-1 array: assemble (validate members, pick the freshest superblock, load the
 * bitmap), the write path in write-intent order (W1), member failure (degraded, W4), the sync
 * passes in the background (resync, recovery, check, repair), superblock upkeep (events, md's
 * safe mode), and the embedding API ({@link io.bitmirror.raid.array.RaidArray}).
 *
 * <p>The sync pass lives here, not in a package of its own: {@code Resync} (the sync thread),
 * {@code SyncPlan} (what a pass does), {@code SyncPass} (md's one sync loop), {@code UnitCopy}
 * and {@code UnitScrub} (one unit under the barrier), {@code SyncProgress}, {@code SyncThrottle},
 * {@code SyncStop}. They see the array only through {@code SyncTarget}, the array's internal
 * view, and share {@code SyncBarrier} with the write path; both are package-private. A package
 * {@code raid.sync} would have to make that view and the barrier public API and would depend on
 * this package's {@code MemberState} and {@code AssembleOptions} while this one depends on it
 * (a cycle), for no caller outside the array.
 */
package io.bitmirror.raid.array;
