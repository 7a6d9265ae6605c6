package io.bitmirror.raid.io;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.device.Ioctls;
import io.bitmirror.raid.device.LinuxAio;
import io.bitmirror.raid.device.LinuxAio.IoEvent;
import io.bitmirror.raid.device.LinuxAio.Iocb;
import io.bitmirror.raid.member.DirectTarget;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Member writes and flushes submitted to the kernel (Linux AIO, {@code --member-io=aio}): a
 * slot's request goes to every member of its mask in one {@code io_submit}, and one completion
 * thread reaps the events and completes the slot per member ({@link IoSlot#complete}), on
 * whichever member finishes last. The submitting thread does no I/O itself, so the members are
 * written at once and a 4 KiB write costs one device latency, not one per member.
 *
 * <p>Everything is preallocated for the slots: one control block per slot and member, the slot's
 * list of control-block pointers, the event array. A request allocates nothing, on any thread
 * (the completion thread included). Members without a {@link DirectTarget} (devices implemented
 * in Java) are left to the caller: {@link #submit} returns them.
 */
final class KernelAio implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelAio.class);
    /** Completions reaped per io_getevents at most. */
    private static final int EVENTS = 64;
    /** How long the completion thread waits in the kernel before it looks at {@link #running}. */
    private static final long WAIT_NANOS = 100_000_000L;
    /**
     * The data of the control block {@link #close} submits to wake the completion thread: all
     * bits set, which no slot's data has (a slot index and member number never fill them).
     */
    private static final long WAKE = -1L;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EINVAL = 22;

    private final IoSlot[] slots;
    /** Where a slot goes back when its last control block is reaped after its user gave it back. */
    private final SlotPool pool;
    private final int members;
    private final long ctx;
    private final ByteBuffer iocbs;
    private final long iocbBase;
    private final ByteBuffer pointers;
    private final long pointerBase;
    private final ByteBuffer events;
    private final long eventBase;
    private final ByteBuffer timeout;
    private final long timeoutAddress;
    /** Events reaped by a submitting thread right after its submission, and a zero timeout. */
    private final ByteBuffer callerEvents;
    private final long callerEventBase;
    private final long noWaitAddress;
    /** One submitting thread at a time reaps into {@link #callerEvents}; the others leave it to the completion thread. */
    private final java.util.concurrent.atomic.AtomicBoolean callerReaping = new java.util.concurrent.atomic.AtomicBoolean();
    private final long[] slotAddress;
    /** Per member; replaced whole (copy on write) when a member joins or leaves. */
    private volatile DirectTarget[] targets;
    /**
     * Per member, bumped with every new target and carried in each control block's data: a
     * request that a member's old device completes late (it had timed out, and the member was
     * re-added since) is not taken for the new device's answer.
     */
    private volatile int[] generations;
    /** Control blocks submitted and not yet reaped: a member that never answers keeps this above 0. */
    private final java.util.concurrent.atomic.AtomicLong inFlight = new java.util.concurrent.atomic.AtomicLong();
    private final IOException[] lastError;
    private final Thread reaper;
    private volatile boolean running = true;
    /** The completion thread reaped close()'s wake-up (rather than ending at its timeout). */
    private volatile boolean wokenByClose;

    /**
     * @throws IOException when the kernel gives no AIO context (the caller falls back)
     */
    KernelAio(IoSlot[] slots, int members, String name, SlotPool pool) throws IOException {
        this.pool = pool;
        this.slots = slots;
        this.members = members;
        int blocks = slots.length * members;
        this.ctx = LinuxAio.setup(blocks);
        this.iocbs = nativeBlock(blocks * Iocb.SIZE);
        this.iocbBase = LinuxAio.address(iocbs);
        this.pointers = nativeBlock(blocks * 8);
        this.pointerBase = LinuxAio.address(pointers);
        this.events = nativeBlock(EVENTS * IoEvent.SIZE);
        this.eventBase = LinuxAio.address(events);
        this.timeout = nativeBlock(16);
        timeout.putLong(0, 0).putLong(8, WAIT_NANOS);
        this.timeoutAddress = LinuxAio.address(timeout);
        this.callerEvents = nativeBlock(EVENTS * IoEvent.SIZE);
        this.callerEventBase = LinuxAio.address(callerEvents);
        // The zero timespec: the second half of the same page (pages are zeroed).
        this.noWaitAddress = timeoutAddress + 16;
        this.slotAddress = new long[slots.length];
        for (int i = 0; i < slots.length; i++) {
            slotAddress[i] = LinuxAio.address(slots[i].data());
        }
        this.targets = new DirectTarget[members];
        this.generations = new int[members];
        this.lastError = new IOException[members];
        this.reaper = new Thread(this::reap, name + "-aio");
        reaper.setDaemon(true);
        reaper.start();
    }

    /** Kernel-shared memory, little-endian as the structures: whole aligned pages (DirectIo's rule). */
    private static ByteBuffer nativeBlock(int bytes) {
        return DirectIo.allocate((bytes + DirectIo.ALIGN - 1) & -DirectIo.ALIGN);
    }

    /** Member {@code m} is reached through {@code t} from now on (null: by the caller). */
    synchronized void target(int m, DirectTarget t) {
        int[] g = generations.clone();
        g[m] = (g[m] + 1) & 0xffffff;
        generations = g;
        DirectTarget[] next = targets.clone();
        next[m] = t;
        targets = next;
    }

    /** True when member {@code m} is served here. */
    boolean serves(int m) {
        return targets[m] != null;
    }

    Thread thread() {
        return reaper;
    }

    /** After {@link #close}: whether its wake-up, not the timeout, ended the completion thread. */
    boolean wokenByClose() {
        return wokenByClose;
    }

    IOException lastError(int m) {
        return lastError[m];
    }

    /**
     * Submits the slot's prepared write or flush to the members of {@code mask} that have a
     * target; each completes the slot later, from the completion thread.
     *
     * @return the members of {@code mask} not taken (no target): the caller performs those and
     *     completes them itself
     */
    int submit(IoSlot s, int mask) {
        DirectTarget[] t = targets;
        int[] g = generations;
        int base = s.index * members;
        int n = 0;
        int notTaken = 0;
        for (int rest = mask; rest != 0; rest &= rest - 1) {
            int m = Integer.numberOfTrailingZeros(rest);
            DirectTarget target = t[m];
            if (target == null) {
                notTaken |= 1 << m;
                continue;
            }
            int at = (base + m) * Iocb.SIZE;
            if (s.op == IoSlot.FLUSH) {
                iocbs.putShort(at + Iocb.OPCODE, Iocb.CMD_FDSYNC);
                iocbs.putInt(at + Iocb.RW_FLAGS, 0);
                iocbs.putLong(at + Iocb.BUF, 0);
                iocbs.putLong(at + Iocb.NBYTES, 0);
                iocbs.putLong(at + Iocb.OFFSET, 0);
            } else {
                if (!target.contains(s.position, s.length)) {
                    // As DataArea refuses it on the synchronous path: never past the data area.
                    lastError[m] = new IOException("I/O at " + s.position + "+" + s.length
                            + " is outside the data area of " + target.limit() + " bytes");
                    s.complete(m, false);
                    continue;
                }
                iocbs.putShort(at + Iocb.OPCODE, s.op == IoSlot.WRITE ? Iocb.CMD_PWRITE : Iocb.CMD_PREAD);
                // FUA: durable when it completes (RWF_DSYNC), as the synchronous path's write + fdatasync.
                iocbs.putInt(at + Iocb.RW_FLAGS, s.fua ? Iocb.RWF_DSYNC : 0);
                iocbs.putLong(at + Iocb.BUF, slotAddress[s.index]);
                iocbs.putLong(at + Iocb.NBYTES, s.length);
                iocbs.putLong(at + Iocb.OFFSET, target.offset() + s.position);
            }
            iocbs.putInt(at + Iocb.FILDES, target.fd());
            iocbs.putLong(at + Iocb.DATA, ((long) g[m] << 40) | ((long) s.index << 8) | m);
            pointers.putLong((base + n) * 8, iocbBase + at);
            n++;
        }
        if (n > 0) {
            inFlight.addAndGet(n);
            s.issued(n);
        }
        int done = 0;
        while (done < n) {
            long r = LinuxAio.submit(ctx, n - done, pointerBase + (long) (base + done) * 8);
            if (r > 0) {
                done += (int) r;
            } else if (r == -EAGAIN || r == -EINTR || r == 0) {
                // The context is sized for every slot on every member, so this is transient.
                Thread.onSpinWait();
            } else {
                // Refused: the rest fail now, as a synchronous write would have thrown.
                for (int i = done; i < n; i++) {
                    int m = (int) ((pointers.getLong((base + i) * 8) - iocbBase) / Iocb.SIZE) - base;
                    lastError[m] = new IOException("io_submit: " + Ioctls.describe((int) -r));
                    // Never submitted: back at once (the slot is still its user's).
                    s.returned();
                    s.complete(m, false);
                }
                inFlight.addAndGet(done - n);
                break;
            }
        }
        if (n > 0 && callerReaping.compareAndSet(false, true)) {
            // Where the device completes in io_submit (tmpfs, the page cache) the events are
            // ready now: the submitting thread completes them itself, with no hand-off to the
            // completion thread and back. Elsewhere this finds nothing and costs one system call.
            try {
                long r = LinuxAio.getEvents(ctx, 0, EVENTS, callerEventBase, noWaitAddress);
                if (r > 0) {
                    completeAll(callerEvents, (int) r);
                }
            } finally {
                callerReaping.set(false);
            }
        }
        return notTaken;
    }

    /** The completion thread: events to slots, until closed. */
    private void reap() {
        while (running) {
            long r = LinuxAio.getEvents(ctx, 1, EVENTS, eventBase, timeoutAddress);
            if (r < 0) {
                if (r == -EINVAL) {
                    // The context is gone: only close() destroys it, after this thread ended.
                    LOG.error("io_getevents: the AIO context was destroyed under the completion thread");
                    return;
                }
                if (r != -EINTR) {
                    LOG.error("io_getevents failed: {}", Ioctls.describe((int) -r));
                    sleepQuietly();
                }
                continue;
            }
            completeAll(events, (int) r);
        }
    }

    /** Completes the slot member of each of the {@code count} events in {@code ev}. */
    private void completeAll(ByteBuffer ev, int count) {
        inFlight.addAndGet(-count);
        int[] g = generations;
        for (int i = 0; i < count; i++) {
            int e = i * IoEvent.SIZE;
            long data = ev.getLong(e + IoEvent.DATA);
            if (data == WAKE) {
                // close()'s wake-up, never counted in flight: give back what was taken above.
                inFlight.incrementAndGet();
                wokenByClose = true;
                continue;
            }
            long res = ev.getLong(e + IoEvent.RES);
            int index = (int) ((data >>> 8) & 0xffffffffL);
            int m = (int) (data & 0xff);
            // The buffer is free of the kernel from here: a slot its user gave back while this
            // was out (the member had timed out) may serve requests again.
            if (slots[index].returned()) {
                pool.release(index);
            }
            if ((int) (data >>> 40) != g[m]) {
                // The member's device changed since: this is the old one answering late.
                continue;
            }
            long expected = iocbs.getLong((index * members + m) * Iocb.SIZE + Iocb.NBYTES);
            boolean ok = res == expected;
            if (!ok) {
                lastError[m] = new IOException(res < 0 ? Ioctls.describe((int) -res)
                        : "short transfer: " + res + " of " + expected + " bytes");
            }
            slots[index].complete(m, ok);
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The thread that destroys closed contexts, started with the first close. */
    private static final class Destroyer {
        static final java.util.concurrent.Executor THREAD = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "aio-destroy");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Ends the completion thread's io_getevents now rather than at its timeout: every stop
     * closes two contexts (the members' and the bitmap's), and waiting out {@link #WAIT_NANOS}
     * for each made a stop take up to 200 ms longer (most of a crash campaign's time per state).
     * A zero-length read of /dev/zero completes at submission, so its event is there at once,
     * whatever the members do. Should it fail, the timeout still ends the wait.
     */
    private void wakeReaper() {
        int fd = Ioctls.posix().open("/dev/zero", jnr.constants.platform.OpenFlags.O_RDONLY.intValue(), 0);
        if (fd < 0) {
            LOG.debug("{}: /dev/zero: {}; the completion thread stops at its timeout", reaper.getName(),
                    Ioctls.describe(Ioctls.posix().errno()));
            return;
        }
        try {
            ByteBuffer block = nativeBlock(Iocb.SIZE + 8);
            long cb = LinuxAio.address(block);
            block.putLong(Iocb.DATA, WAKE).putShort(Iocb.OPCODE, Iocb.CMD_PREAD).putInt(Iocb.FILDES, fd)
                    .putLong(Iocb.BUF, cb).putLong(Iocb.NBYTES, 0).putLong(Iocb.OFFSET, 0);
            block.putLong(Iocb.SIZE, cb);
            long r = LinuxAio.submit(ctx, 1, cb + Iocb.SIZE);
            if (r != 1) {
                LOG.debug("{}: wake-up not submitted ({}); the completion thread stops at its timeout",
                        reaper.getName(), r < 0 ? Ioctls.describe((int) -r) : r);
            }
        } finally {
            // The kernel holds its own reference to the file for a submitted request.
            Ioctls.posix().close(fd);
        }
    }

    /** Stops the completion thread (woken at once, {@link #WAIT_NANOS} at most) and frees the context. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        wakeReaper();
        // The context may be destroyed only once the completion thread stopped using it, even
        // when the closing thread is interrupted: wait on, and pass the interrupt on afterwards.
        boolean interrupted = false;
        while (reaper.isAlive()) {
            try {
                reaper.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        long stuck = inFlight.get();
        if (stuck > 0) {
            // io_destroy waits for every request: one a member never answers would hang the
            // stop. The context is left to the process's exit instead.
            LOG.warn("{}: {} member request(s) never completed (a member timed out); the AIO context is left open",
                    reaper.getName(), stuck);
        } else {
            // Nothing is in flight and no thread uses the context any more, so nothing waits on
            // its end: io_destroy waits an RCU grace period (about 30 ms here), which a stop
            // (two contexts) need not spend. One daemon thread destroys them in order.
            Destroyer.THREAD.execute(() -> LinuxAio.destroy(ctx));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
