/**
 * The running RAID-1 array. {@link io.bitmirror.raid.array.RaidArray} is the embedding API and a
 * facade over parts with one job each: {@code ArrayAssembler} (assemble: validate, open, load the
 * bitmap), {@code MemberSet} and {@code Members} (member state as one immutable snapshot,
 * published atomically; transitions under one lock), {@code ArrayMetadata} (events, superblock
 * writes with bitmap events first, W3; md's safe mode), {@code MirroredIo} (reads with
 * read-error repair; the one mirrored-write protocol for writes, trims and repairs, W1/W4;
 * flushes; partial blocks merged under {@code BlockLocks} inside the sync barrier),
 * {@code MemberManager} (fail, remove, add, re-add, end of recovery), {@code Housekeeper}
 * (background upkeep), {@code StatusReport} ({@code detail}), and {@code Resync}, the sync pass,
 * which sees the array only as a {@code SyncTarget}.
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
