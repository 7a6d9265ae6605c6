package io.bitmirror.raid.array;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The array's sync thread (md's mdX_resync): keeps the requests (a resync after an unclean stop,
 * a recovery per re-added or new member, a check or repair asked for by the administrator),
 * picks the next one by md's order (resync, then recovery, then check/repair), runs it as a
 * {@link SyncPlan} through the one {@link SyncPass}, and tells the array when a resync or
 * recovery finished. One pass runs at a time: a check or repair is refused while a resync or
 * recovery runs or is pending, and one requested during a check interrupts the check (which is
 * not resumed, as in md).
 */
final class Resync implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Resync.class);

    /** The passes the array itself requests; check and repair come through {@link #requestAction}. */
    enum Kind { RESYNC, RECOVERY }

    private final SyncTarget a;
    private final Object lock = new Object();
    private final SyncStop stop = new SyncStop();
    private final SyncPass pass;
    private Thread thread;
    private boolean resyncRequested;
    private long resyncFrom;
    private int recoverySlots;
    private int recoveryFull;
    /** The check or repair requested and not yet over, or null. */
    private SyncPlan scrubRequested;
    private volatile boolean running;
    /** The plan running now, or null. */
    private volatile SyncPlan current;
    private volatile String action = "idle";

    Resync(SyncTarget a) {
        this.a = a;
        this.pass = new SyncPass(a, stop);
    }

    void request(Kind kind, int slot, long fromBytes, boolean full) {
        synchronized (lock) {
            if (kind == Kind.RESYNC) {
                resyncRequested = true;
                resyncFrom = fromBytes;
                pass.checkpoint(fromBytes / 512);
            } else {
                recoverySlots |= 1 << slot;
                if (full) {
                    recoveryFull |= 1 << slot;
                } else {
                    recoveryFull &= ~(1 << slot);
                }
            }
            if (scrubRequested != null) {
                // md lets a recovery interrupt a check: the members' redundancy comes first.
                LOG.info("{}: {} interrupted: a {} is requested", a.name(), scrubRequested.action,
                        kind == Kind.RESYNC ? "resync" : "recovery");
                scrubRequested = null;
                stop.interrupt();
            }
        }
    }

    /**
     * md's sync_action: "check" or "repair" starts one (refused while a resync or recovery runs
     * or is pending, while one already runs, or on a degraded array: there is nothing to compare
     * a missing member with); "idle" stops a check or repair (a resync or recovery goes on).
     *
     * @return what happened, one line
     */
    String requestAction(String word) throws ArrayException {
        synchronized (lock) {
            switch (word) {
                case "idle": {
                    SyncPlan p = current;
                    if (scrubRequested == null && (p == null || !p.scrub())) {
                        return resyncRequested || recoverySlots != 0 ? "no check or repair running; the "
                                + (resyncRequested ? "resync" : "recovery") + " goes on" : "no check or repair running";
                    }
                    String was = scrubRequested != null ? scrubRequested.action : p.action;
                    scrubRequested = null;
                    stop.interrupt();
                    if (p == null) {
                        // Requested but not begun: it never will.
                        action = "idle";
                    }
                    return was + " stopped";
                }
                case "check":
                case "repair": {
                    if (stop.stopping()) {
                        throw new ArrayException("the array is stopping");
                    }
                    if (resyncRequested || recoverySlots != 0) {
                        throw new ArrayException("cannot " + word + " while a " + (resyncRequested ? "resync" : "recovery")
                                + " runs or is pending; try again when it is done");
                    }
                    SyncPlan p = current;
                    if (scrubRequested != null || (p != null && p.scrub())) {
                        throw new ArrayException("a " + (scrubRequested != null ? scrubRequested.action : p.action)
                                + " is already running; --action=idle stops it");
                    }
                    if (!pass.allInSync()) {
                        throw new ArrayException("cannot " + word + " a degraded array: it compares in-sync members "
                                + "and every member must be in sync");
                    }
                    scrubRequested = word.equals("check") ? SyncPlan.check() : SyncPlan.repair();
                    // Shown at once: a status taken after this call never says idle before the pass ran.
                    action = word;
                    break;
                }
                default:
                    throw new ArrayException("unknown sync action '" + word + "': check, repair or idle");
            }
        }
        startIfRequested();
        return word + " started";
    }

    void startIfRequested() {
        synchronized (lock) {
            if (running || stop.stopping() || (!resyncRequested && recoverySlots == 0 && scrubRequested == null)) {
                return;
            }
            running = true;
            thread = new Thread(this, "md-" + a.name() + "-resync");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** A resync or recovery is running (a check or repair is not: reads are balanced meanwhile, as in md). */
    boolean active() {
        SyncPlan p = current;
        return running && p != null && !p.scrub();
    }

    /** A pass that keeps the array "active" on disk is running (the resync). */
    boolean resyncing() {
        SyncPlan p = current;
        return running && p != null && p.holdsActive;
    }

    /** A resync or recovery is requested and not finished. */
    boolean pending() {
        synchronized (lock) {
            return resyncRequested || recoverySlots != 0;
        }
    }

    String action() {
        return action;
    }

    /**
     * The pass is over: {@code detail} says "idle" from now. For a recovery the array calls this
     * under its state lock together with marking the member in sync, so that no snapshot shows
     * the member in sync while the recovery still runs.
     */
    void passEnded() {
        action = "idle";
    }

    long doneSectors() {
        return pass.progress().doneSectors();
    }

    long totalSectors() {
        return pass.progress().totalSectors();
    }

    long speedKiB() {
        return pass.progress().speedKiB();
    }

    long copiedChunks() {
        return pass.copiedChunks();
    }

    long copiedBytes() {
        return pass.copiedBytes();
    }

    /** Sectors found differing by the last (or the running) check or repair: md's mismatch_cnt. */
    long mismatchSectors() {
        return pass.mismatchSectors();
    }

    /** What a clean superblock records as resync_offset. */
    long checkpointSectors() {
        return pass.checkpointSectors();
    }

    @Override
    public void run() {
        boolean exited = false;
        try {
            while (!stop.stopping()) {
                SyncPlan plan;
                synchronized (lock) {
                    if (resyncRequested) {
                        plan = SyncPlan.resync(resyncFrom, a.bitmap() != null);
                    } else if (recoverySlots != 0) {
                        int slot = Integer.numberOfTrailingZeros(recoverySlots);
                        plan = SyncPlan.recovery(slot, (recoveryFull & (1 << slot)) != 0);
                    } else if (scrubRequested != null) {
                        plan = scrubRequested;
                    } else {
                        // Under the lock with the look at the requests: a request from now on
                        // finds the thread gone and starts a new one.
                        exit();
                        exited = true;
                        return;
                    }
                    // Whatever interrupted an earlier check is handled by picking this plan.
                    stop.clearInterrupt();
                    current = plan;
                    action = plan.action;
                }
                // mdadm's monitor sees every pass /proc/mdstat shows a percent for: resync,
                // recovery, check and repair alike.
                a.events().rebuild(ArrayEvent.REBUILD_STARTED, plan.action, 0, -1);
                SyncPass.Outcome outcome = pass.run(plan);
                // Before finish(): a finished recovery's SpareActive comes after this, as mdadm
                // looks at the progress before the members' states.
                a.events().rebuild(ArrayEvent.REBUILD_FINISHED, plan.action, pass.progress().percent(),
                        plan.countsMismatches ? pass.mismatchSectors() : -1);
                finish(plan, outcome);
                synchronized (lock) {
                    current = null;
                }
                if (outcome == SyncPass.Outcome.FAILED && plan.retries && !stop.stopping()) {
                    // A member failed under us: try again with what is left, after a pause.
                    LockSupport.parkNanos(50_000_000L);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("{}: sync thread stopped: {}", a.name(), e.toString());
        } finally {
            if (!exited) {
                synchronized (lock) {
                    exit();
                }
            }
        }
    }

    /** The thread ends; called with the lock held. */
    private void exit() {
        action = "idle";
        current = null;
        running = false;
    }

    /** Bookkeeping after one pass: requests done, the array told, the log. */
    private void finish(SyncPlan plan, SyncPass.Outcome outcome) {
        boolean done = outcome == SyncPass.Outcome.DONE;
        if (plan.scrub()) {
            synchronized (lock) {
                if (scrubRequested == plan) {
                    scrubRequested = null;
                }
            }
            LOG.info("{}: {} {}: {} mismatched sectors", a.name(), plan.action,
                    done ? "done" : outcome == SyncPass.Outcome.STOPPED ? "stopped" : "ended (a member failed)",
                    pass.mismatchSectors());
            passEnded();
            return;
        }
        if (plan.recoverSlot < 0) {
            if (done) {
                synchronized (lock) {
                    resyncRequested = false;
                }
                pass.checkpoint(SuperblockLayout.RESYNC_CLEAN);
                LOG.info("{}: resync done", a.name());
                passEnded();
                a.resyncFinished();
            }
            return;
        }
        int slot = plan.recoverSlot;
        synchronized (lock) {
            if (done || a.state(slot) != MemberState.RECOVERING) {
                recoverySlots &= ~(1 << slot);
            }
        }
        if (done) {
            a.recoveryFinished(slot);
        }
    }

    /** Stops the pass; progress stays NEEDED in the bitmap and in the checkpoint. */
    void stop() {
        stop.stop();
        Thread t;
        synchronized (lock) {
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void abandon() {
        stop.stop();
    }
}
