package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.raid.io.MemberFanout;

/**
 * What the sync pass needs from the array, and nothing more: the array's geometry, its member
 * masks, the I/O and barrier it copies through, and the callbacks by which it reports a failed
 * member or a finished pass. The array hands this to the pass at construction; the pass never
 * sees the array itself.
 */
interface SyncTarget {
    String name();

    long sizeBytes();

    /** The barrier unit: the bitmap chunk, or a 1 MiB window without a bitmap. */
    long unitBytes();

    int raidDisks();

    /** Null without a bitmap. */
    WriteIntentBitmap bitmap();

    SyncBarrier barrier();

    MemberFanout fanout();

    AssembleOptions options();

    int inSyncMask();

    /** The member a pass reads from: the lowest in-sync one. */
    int sourceMask();

    MemberState state(int slot);

    /** When a client last wrote (System.nanoTime), for the speed limits. */
    long lastWriteNanos();

    /** Safe mode: the array is "active" on disk while the pass may leave members differing. */
    void enterWrite(boolean foreground);

    void exitWrite(boolean foreground);

    /** Fails the members of {@code failedMask} (superblocks updated before this returns). */
    void failMembers(int failedMask, String why);

    void resyncFinished();

    /** Where the pass's Rebuild events go. */
    ArrayEvents events();

    void recoveryFinished(int slot);
}
