package io.bitmirror.raid.array;

/**
 * Why a running pass should end early: the array stops (every pass ends, progress stays NEEDED
 * and checkpointed), or a check/repair is interrupted ({@code idle}, or a resync/recovery
 * requested meanwhile), which ends only an interruptible pass.
 */
final class SyncStop {
    private volatile boolean stop;
    private volatile boolean interrupt;

    void stop() {
        stop = true;
    }

    boolean stopping() {
        return stop;
    }

    /** Ends the running check or repair at its next piece. */
    void interrupt() {
        interrupt = true;
    }

    /** A new pass starts: an interrupt meant for the one before is forgotten. */
    void clearInterrupt() {
        interrupt = false;
    }

    boolean stops(SyncPlan plan) {
        return stop || (interrupt && plan.interruptible);
    }
}
