package io.bitmirror.raid.array;

import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The array's background upkeep, on its own thread, a few times per safe-mode delay: fails
 * members that shrank, writes the superblocks when a member failure is not recorded yet, and
 * marks the array clean after an idle period (md's safe mode). Woken early when members change.
 */
final class Housekeeper implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Housekeeper.class);

    private final String name;
    private final long safeModeNanos;
    private final Members members;
    private final ArrayMetadata metadata;
    private final MemberManager manager;
    private final Resync resync;
    /** The flush before "clean", preallocated (this thread is measured for allocation). */
    private final ArrayMetadata.MemberFlush flush;
    private final Thread thread;
    private volatile boolean running = true;

    Housekeeper(ArrayGeometry g, long safeModeMillis, Members members, ArrayMetadata metadata, MemberManager manager,
            Resync resync, MirroredIo io) {
        this.name = g.name();
        this.safeModeNanos = safeModeMillis * 1_000_000L;
        this.members = members;
        this.metadata = metadata;
        this.manager = manager;
        this.resync = resync;
        this.flush = io::memberFlush;
        this.thread = new Thread(this, "md-" + g.shortName() + "-housekeeper");
        thread.setDaemon(true);
    }

    Thread thread() {
        return thread;
    }

    void start() {
        thread.start();
    }

    /** Runs the next round now (a member changed). */
    void wake() {
        LockSupport.unpark(thread);
    }

    @Override
    public void run() {
        while (running) {
            LockSupport.parkNanos(this, Math.max(10_000_000L, safeModeNanos / 4));
            if (!running) {
                break;
            }
            try {
                // Before anything else: a member truncated under the array must not be written
                // (a write would extend it with holes) nor read (the holes read as zeroes).
                manager.failShrunk(members.current().writeMask);
                metadata.recordIfChanged();
                metadata.markCleanIfIdle(resync.resyncing(), safeModeNanos, flush);
            } catch (RuntimeException e) {
                LOG.warn("{}: housekeeping: {}", name, e.toString());
            }
        }
    }

    /** Ends the thread and waits for it (its round may be writing superblocks). */
    void stop() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the thread without waiting (a power cut). */
    void abandon() {
        running = false;
        LockSupport.unpark(thread);
    }
}
