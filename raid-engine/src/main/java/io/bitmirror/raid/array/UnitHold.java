package io.bitmirror.raid.array;

/**
 * The sync barrier held over one unit while a sync pass works on it piece by piece, for the copy
 * (resync, recovery) and the scrub (check, repair) alike. A pause for the speed limit lets go of
 * the barrier, so client writes to the unit are not held up by the pause, and the next piece
 * takes it again. That is safe for every plan because client writes go to every member: what
 * was copied or compared before the pause stays so, and the rest is done after the writes.
 *
 * <p>One per unit worker, reused for every unit: allocates nothing.
 */
final class UnitHold implements AutoCloseable {
    private final SyncTarget a;
    private final SyncProgress progress;
    private final SyncStop stop;
    private long unit;
    private boolean held;

    UnitHold(SyncTarget a, SyncProgress progress, SyncStop stop) {
        this.a = a;
        this.progress = progress;
        this.stop = stop;
    }

    /** Takes the barrier over unit {@code u}; returns this, to be closed when the unit is done. */
    UnitHold begin(long u) {
        unit = u;
        a.barrier().beginSync(u);
        held = true;
        return this;
    }

    /** Before each piece: takes the barrier again when a pause let go of it. */
    void retake() {
        if (!held) {
            a.barrier().beginSync(unit);
            held = true;
        }
    }

    /**
     * Lets go of the barrier, then sleeps {@code nanos} (cut short when the pass stops).
     *
     * @return true when the pass is to stop
     */
    boolean pause(long nanos, SyncPlan plan) {
        // Released before the sleep, never after: a write waiting on this unit goes first.
        close();
        progress.pause(nanos, stop, plan);
        return stop.stops(plan);
    }

    /** Lets go of the barrier if it is still held; a unit's end, or a pause. */
    @Override
    public void close() {
        if (held) {
            a.barrier().endSync();
            held = false;
        }
    }
}
