package io.bitmirror.raid.array;

import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Member state: the current {@link MemberSet} and the transitions between them. Every
 * transition builds a new snapshot under one lock and publishes it with one volatile write, so
 * readers (the I/O paths, the bitmap flusher, status) take {@link #current()} without a lock
 * and see one consistent moment. Transitions change memory only and never wait for I/O: the
 * bitmap flusher fails members through here. Writing the change to the superblocks is
 * {@link ArrayMetadata}'s job; {@link #unrecorded()} tells it a change is waiting.
 */
final class Members {
    private static final Logger LOG = LoggerFactory.getLogger(Members.class);

    /** Told of every new snapshot, under the lock (it must not wait for I/O). */
    @FunctionalInterface
    interface Listener {
        void changed(MemberSet now);
    }

    private final String name;
    private final Object lock = new Object();
    private volatile MemberSet current;
    private volatile boolean unrecorded;
    private volatile Listener listener;

    Members(String name, MemberSet initial) {
        this.name = name;
        this.current = initial;
    }

    /** The members now: one consistent snapshot. */
    MemberSet current() {
        return current;
    }

    /** The lock transitions hold; a reader that must see members and something else together takes it. */
    Object lock() {
        return lock;
    }

    /**
     * Registers who follows the changes (the bitmap's degraded flag, the housekeeper), once the
     * array's parts exist; it is told the current snapshot at once.
     */
    void listen(Listener l) {
        synchronized (lock) {
            listener = l;
            l.changed(current);
        }
    }

    /** @param record the superblocks must say so soon (a failure); others are written by their caller */
    private void publish(MemberSet next, boolean record) {
        current = next;
        if (record) {
            unrecorded = true;
        }
        Listener l = listener;
        if (l != null) {
            l.changed(next);
        }
    }

    /** True while a transition has not been written to the superblocks yet. */
    boolean unrecorded() {
        return unrecorded;
    }

    /**
     * Called by a superblock write before it takes its snapshot: what it writes records every
     * transition so far (a later one sets the flag again).
     */
    void recording() {
        unrecorded = false;
    }

    /**
     * Marks a member faulty in memory (never waits for I/O: the bitmap flusher calls this).
     *
     * @return false when it is the last in-sync member, which is never failed (as md)
     */
    boolean markFaulty(int s, String why) {
        MemberSet m;
        synchronized (lock) {
            m = current;
            MemberState st = m.state(s);
            if (st != MemberState.IN_SYNC && st != MemberState.RECOVERING) {
                return true;
            }
            if (st == MemberState.IN_SYNC && Integer.bitCount(m.inSyncMask) == 1) {
                LOG.error("{}: {} on {}, the last member in sync: it stays, errors go to the caller", name, why,
                        m.path(s));
                return false;
            }
            publish(m.withFaulty(s, SuperblockLayout.ROLE_FAULTY), true);
        }
        LOG.warn("{}: member {} failed ({}): array degraded", name, m.path(s), why);
        return true;
    }

    /** Called by the internal bitmap store from the flusher thread: only memory changes here. */
    boolean bitmapCopyFailed(int s, IOException e) {
        return markFaulty(s, "bitmap write error: " + e.getMessage());
    }

    /**
     * The members of {@code mask} (that take writes) that are smaller now than when they were
     * opened (a file truncated under the array): what they held past the new end is gone.
     */
    int shrunk(int mask) {
        MemberSet m = current;
        int shrunk = 0;
        for (int rest = mask & m.writeMask; rest != 0; rest &= rest - 1) {
            int s = Integer.numberOfTrailingZeros(rest);
            MemberDevice d = m.device(s);
            long now;
            try {
                now = d == null ? -1 : d.currentSizeBytes();
            } catch (IOException e) {
                now = -1;
            }
            if (d != null && now >= 0 && now < d.sizeBytes()) {
                shrunk |= 1 << s;
            }
        }
        return shrunk;
    }

    /**
     * Member {@code s} caught up: in sync. {@code alsoUnderLock} runs in the same critical
     * section (the sync pass ends there, so status never sees the member in sync and the pass
     * still running).
     *
     * @return false when the member was not recovering any more (failed meanwhile)
     */
    boolean recovered(int s, Runnable alsoUnderLock) {
        synchronized (lock) {
            if (current.state(s) != MemberState.RECOVERING) {
                return false;
            }
            alsoUnderLock.run();
            publish(current.withState(s, MemberState.IN_SYNC), false);
            return true;
        }
    }

    /** A device joins at slot {@code s}, recovering. */
    void join(int s, java.nio.file.Path path, MemberDevice d, MemberSuperblock sb) {
        synchronized (lock) {
            publish(current.withMember(s, path, d, sb, MemberState.RECOVERING), false);
        }
    }

    /**
     * Takes faulty member {@code s} out.
     *
     * @return its device (the caller closes it), or null when it is not faulty (any more)
     */
    MemberDevice remove(int s) {
        synchronized (lock) {
            MemberSet m = current;
            if (m.state(s) != MemberState.FAULTY) {
                return null;
            }
            publish(m.withRemoved(s), false);
            return m.device(s);
        }
    }
}
