package io.bitmirror.raid.io;

import io.bitmirror.raid.member.DirectTarget;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.member.MemberPort;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one request to several members, in one of three ways ({@link MemberIoMode}): submitted
 * to the kernel for every member at once (Linux AIO, {@link KernelAio}), completed by its
 * completion thread; handed to one I/O thread per member, the calling thread doing the lowest
 * member itself (no hand-off for the common first copy); or performed by the calling thread on
 * each member in turn. It returns when all have answered, with the mask of members that failed.
 * Asynchronous writes ({@link #startWrite}) go to the kernel or the I/O threads. Whatever the
 * mode, a member with a {@link MemberPort} of its own (a remote member, which pipelines its
 * requests) is handed every request through it and answers on its own thread.
 *
 * <p>Slots come from a fixed {@link SlotPool} of at most 64; everything is allocated here, at
 * assemble, and nothing per request. The in-turn loop over the members is {@link Broadcast}'s.
 */
public final class MemberFanout implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MemberFanout.class);
    /** Most slots a fan-out can have (one bit each in the free mask). */
    public static final int MAX_SLOTS = SlotPool.MAX;
    /** How often the watchdog looks for asynchronous requests past their time. */
    private static final long WATCH_NANOS = 100_000_000L;

    private final IoSlot[] slots;
    private final SlotPool free;
    /** The request on one member, in the calling thread: preallocated, so nothing per call. */
    private final Broadcast.MemberOp<IoSlot> inline = (m, s) -> MemberWorker.execute(device(m), m, s);
    private final MemberDevice[] devices;
    private final MemberWorker[] workers;
    /** Members that take requests themselves ({@link MemberDevice#port()}), else null. */
    private final MemberPort[] ports;
    /** A port's answer: the tag is the slot's index and the member's ({@link #tag}). */
    private final MemberPort.Done portDone = this::portEnded;
    private final String name;
    private final boolean parallel;
    /** The kernel's asynchronous I/O, when the mode is {@link MemberIoMode#AIO}; else null. */
    private final KernelAio aio;
    private final MemberIoMode mode;
    /** How long a request waits for a member before the member counts as failed (0: forever). */
    private final long timeoutNanos;
    /** Why a member last timed out, for messages. */
    private final IOException[] timeoutError;
    /** Ends asynchronous requests whose time ran out; null without a time limit or in INLINE mode. */
    private final Thread watchdog;
    private volatile boolean open = true;

    /**
     * @param parallel {@link MemberIoMode#THREADS} when true, {@link MemberIoMode#INLINE} when false
     */
    public MemberFanout(MemberDevice[] devices, int slots, int slotBytes, String name, boolean parallel) {
        this(devices, slots, slotBytes, name, parallel ? MemberIoMode.THREADS : MemberIoMode.INLINE);
    }

    /**
     * @param devices one per member position; null for a missing member
     * @param slots request slots (at most 64)
     * @param slotBytes buffer bytes per slot: the largest request
     * @param mode how requests reach the members; {@link MemberIoMode#AUTO} takes AIO when the
     *     kernel gives a context and else writes in turn (one line in the log says so)
     * @throws IllegalStateException when {@link MemberIoMode#AIO} was asked for and the kernel
     *     refuses it (the message says why)
     */
    public MemberFanout(MemberDevice[] devices, int slots, int slotBytes, String name, MemberIoMode mode) {
        this(devices, slots, slotBytes, name, mode, 0);
    }

    /**
     * @param timeoutMillis how long a request submitted to the kernel or to a member's I/O thread
     *     waits for that member; a member that has not answered by then counts as failed for the
     *     request (md's failfast spirit: the array goes on degraded instead of hanging), and its
     *     late answer is ignored. 0: no limit. A member performed by the requesting thread itself
     *     ({@link MemberIoMode#INLINE}, a device the kernel cannot reach) cannot be timed out.
     */
    public MemberFanout(MemberDevice[] devices, int slots, int slotBytes, String name, MemberIoMode mode,
            long timeoutMillis) {
        if (slots < 1 || slots > MAX_SLOTS) {
            throw new IllegalArgumentException("slots must be 1.." + MAX_SLOTS + ": " + slots);
        }
        if (devices.length > 31) {
            throw new IllegalArgumentException("at most 31 members: " + devices.length);
        }
        this.name = name;
        this.timeoutNanos = Math.max(0, timeoutMillis) * 1_000_000L;
        this.timeoutError = new IOException[devices.length];
        this.devices = devices.clone();
        this.slots = new IoSlot[slots];
        for (int i = 0; i < slots; i++) {
            this.slots[i] = new IoSlot(i, slotBytes, devices.length);
        }
        this.free = new SlotPool(slots);
        // Each member asked once: the answer decides the mode and then where the member goes.
        DirectTarget[] targets = new DirectTarget[devices.length];
        if (mode == MemberIoMode.AIO || mode == MemberIoMode.AUTO) {
            for (int m = 0; m < devices.length; m++) {
                targets[m] = targetOf(m);
            }
        }
        this.aio = mode == MemberIoMode.AIO || mode == MemberIoMode.AUTO ? openAio(mode, targets) : null;
        this.mode = aio != null ? MemberIoMode.AIO : mode == MemberIoMode.THREADS ? MemberIoMode.THREADS
                : MemberIoMode.INLINE;
        this.parallel = this.mode == MemberIoMode.THREADS;
        this.workers = new MemberWorker[devices.length];
        this.ports = new MemberPort[devices.length];
        for (int m = 0; m < devices.length; m++) {
            if (devices[m] != null) {
                attach(m, targets[m]);
            }
        }
        if (timeoutNanos > 0 && this.mode != MemberIoMode.INLINE) {
            // Nobody waits on an asynchronous request: its time limit needs a clock of its own.
            watchdog = new Thread(this::watch, name + "-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        } else {
            watchdog = null;
        }
    }

    private KernelAio openAio(MemberIoMode asked, DirectTarget[] targets) {
        if (asked == MemberIoMode.AUTO && !any(targets, true)) {
            // tmpfs (or nothing the kernel reaches): the kernel would do the copy inside
            // io_submit anyway, and the completion's hand-off measured at 0.45 of the in-turn
            // path there (docs/BENCHMARKS.md): members are written in turn.
            return null;
        }
        if (!any(targets, false)) {
            // Every member is a device the kernel cannot reach (the page cache: --cache=writeback,
            // or devices in Java): nothing would be submitted, so no context and no thread.
            if (asked == MemberIoMode.AIO) {
                throw new IllegalStateException("--member-io=aio: no member can be written with Linux AIO "
                        + "(they need O_DIRECT: --cache=none)");
            }
            return null;
        }
        try {
            return new KernelAio(slots, devices.length, name, free);
        } catch (IOException | RuntimeException | LinkageError e) {
            if (asked == MemberIoMode.AIO) {
                throw new IllegalStateException("--member-io=aio: the kernel refused asynchronous I/O: " + e.getMessage(),
                        e);
            }
            LOG.warn("{}: Linux AIO unavailable ({}): members are written in turn by the requesting thread",
                    name, e.getMessage());
            return null;
        }
    }

    /** How the kernel reaches member {@code m}, or null (no device, or it cannot: said in the log). */
    private DirectTarget targetOf(int m) {
        if (devices[m] == null) {
            return null;
        }
        try {
            return devices[m].directTarget();
        } catch (IOException e) {
            LOG.warn("{}: {} is written by a thread, not asynchronously: {}", name, devices[m].name(), e.getMessage());
            return null;
        }
    }

    /**
     * Member {@code m}'s way to the device: the kernel through {@code t} when it can reach it (a
     * worker thread too, for startWrite of a member it cannot), or an I/O thread.
     */
    private void attach(int m, DirectTarget t) {
        MemberPort p = devices[m].port();
        if (p != null) {
            // Its own pipelined way in: no I/O thread, and the kernel never sees it.
            ports[m] = p;
            return;
        }
        if (aio != null) {
            aio.target(m, t);
            if (t != null) {
                return;
            }
        }
        workers[m] = new MemberWorker(m, devices[m], slots.length, name + "-member" + m, free);
        workers[m].start();
    }

    /** A member the kernel reaches ({@code asynchronous}: and completes after io_submit returns). */
    private static boolean any(DirectTarget[] targets, boolean asynchronous) {
        for (DirectTarget t : targets) {
            if (t != null && !(asynchronous && t.completesInSubmit())) {
                return true;
            }
        }
        return false;
    }

    /** How requests reach the members: {@link MemberIoMode#AIO}, THREADS or INLINE (never AUTO). */
    public MemberIoMode mode() {
        return mode;
    }

    public int members() {
        return devices.length;
    }

    public MemberDevice device(int m) {
        return devices[m];
    }

    /** Member {@code m}'s own asynchronous way in, or null when it has none (see {@link MemberDevice#port()}). */
    public MemberPort port(int m) {
        return ports[m];
    }

    /** Puts {@code dev} at position {@code m} (re-add); the old device is not closed here. */
    public synchronized void replace(int m, MemberDevice dev) {
        if (workers[m] != null) {
            workers[m].stop();
            workers[m] = null;
        }
        if (aio != null) {
            aio.target(m, null);
        }
        ports[m] = null;
        timeoutError[m] = null;
        devices[m] = dev;
        if (dev != null) {
            attach(m, aio != null ? targetOf(m) : null);
        }
    }

    /** Takes a free slot, waiting for one if all are in use. */
    public IoSlot acquire() {
        return slots[free.acquire()];
    }

    /** Waits until every slot is back in the pool: no request is out. */
    public void awaitIdle() {
        while (!free.full()) {
            free.park();
        }
    }

    /**
     * Returns a slot to the pool; one whose member operation is still out (a member that timed
     * out) goes back when that operation does, as the kernel may still use its buffer.
     */
    public void release(IoSlot s) {
        if (s.release()) {
            free.release(s.index);
        }
    }

    public int slotBytes() {
        return slots[0].capacity();
    }

    /** Writes {@code [0, length)} of the slot's buffer at {@code position} on the members in {@code mask}. */
    public int write(IoSlot s, long position, int length, boolean fua, int mask) {
        return run(s, IoSlot.WRITE, position, length, 0, fua, mask);
    }

    /**
     * Starts writing {@code [0, length)} of the slot at {@code position} on the members in
     * {@code mask}, all on their I/O threads, and returns at once; {@link #await} waits for it.
     * Lets one thread read the next piece while the last one is being written.
     */
    public void startWrite(IoSlot s, long position, int length, int mask) {
        s.prepare(IoSlot.WRITE, position, length, 0, false, mask);
        int rest = toPorts(s, aio != null ? aio.submit(s, mask) : mask);
        for (; rest != 0; rest &= rest - 1) {
            workers[Integer.numberOfTrailingZeros(rest)].submit(s);
        }
    }

    /** Requests are submitted and complete later ({@link #submitWrite}): AIO or THREADS, not INLINE. */
    public boolean asynchronous() {
        return mode != MemberIoMode.INLINE;
    }

    /** How many request slots there are (indices 0 .. n-1). */
    public int slotCount() {
        return slots.length;
    }

    /**
     * Submits a write of {@code [0, length)} of the slot at {@code position} to the members of
     * {@code mask} and returns; {@code end} runs once every member answered (or the member
     * time-out claimed the silent ones), on the thread that saw the last answer. Members the
     * kernel reaches are submitted to it; the others go to their I/O threads, or are written by
     * this thread when they have none (devices in Java; {@link MemberIoMode#INLINE}): then
     * {@code end} may run before this returns. With {@code mask == 0} it runs at once.
     */
    public void submitWrite(IoSlot s, long position, int length, boolean fua, int mask, IoSlot.Completion end) {
        if (mask == 0) {
            end.completed(s, 0);
            return;
        }
        s.prepare(IoSlot.WRITE, position, length, 0, fua, mask, end,
                timeoutNanos == 0 ? 0 : Math.max(1, System.nanoTime() + timeoutNanos), byCaller(mask));
        int rest = toPorts(s, aio != null ? aio.submit(s, mask) : mask);
        int byCaller = 0;
        for (; rest != 0; rest &= rest - 1) {
            int m = Integer.numberOfTrailingZeros(rest);
            if (workers[m] != null && aio == null) {
                workers[m].submit(s);
            } else {
                // As run() does: a member the kernel cannot reach is written by the requester.
                byCaller |= 1 << m;
            }
        }
        if (byCaller != 0) {
            int failed = Broadcast.toEach(byCaller, inline, s, lastInlineError);
            for (; byCaller != 0; byCaller &= byCaller - 1) {
                int m = Integer.numberOfTrailingZeros(byCaller);
                s.complete(m, (failed & (1 << m)) == 0);
            }
        }
    }

    /**
     * Submits a read of {@code [0, length)} at {@code position} from member {@code m} into the
     * slot and returns; {@code end} runs when it answered (its bit in {@code failed} when the
     * read failed or timed out), as {@link #submitWrite}.
     */
    public void submitRead(IoSlot s, int m, long position, int length, IoSlot.Completion end) {
        s.prepare(IoSlot.READ, position, length, 0, false, 1 << m, end,
                timeoutNanos == 0 ? 0 : Math.max(1, System.nanoTime() + timeoutNanos), byCaller(1 << m));
        int rest = toPorts(s, aio != null ? aio.submit(s, 1 << m) : 1 << m);
        if (rest == 0) {
            return;
        }
        if (workers[m] != null && aio == null) {
            workers[m].submit(s);
        } else {
            int failed = Broadcast.toEach(rest, inline, s, lastInlineError);
            s.complete(m, failed == 0);
        }
    }

    /**
     * The members of {@code mask} a submission leaves to the submitting thread: those the kernel
     * does not reach (AIO mode), or all of them when there are no I/O threads.
     */
    private int byCaller(int mask) {
        if (aio != null) {
            int c = 0;
            for (int rest = mask; rest != 0; rest &= rest - 1) {
                int m = Integer.numberOfTrailingZeros(rest);
                if (!aio.serves(m) && ports[m] == null) {
                    c |= 1 << m;
                }
            }
            return c;
        }
        int c = 0;
        for (int rest = mask; rest != 0; rest &= rest - 1) {
            int m = Integer.numberOfTrailingZeros(rest);
            if (workers[m] == null && ports[m] == null) {
                c |= 1 << m;
            }
        }
        return c;
    }

    /** The watchdog: every tenth of a second, ends the asynchronous requests whose time ran out. */
    private void watch() {
        while (open) {
            LockSupport.parkNanos(this, WATCH_NANOS);
            long now = System.nanoTime();
            for (IoSlot s : slots) {
                long r = s.expire(now);
                if (r != 0) {
                    timedOut((int) r);
                    if ((r >>> 32) != 0) {
                        s.fireCompletion();
                    }
                }
            }
        }
    }

    /** Waits for a {@link #startWrite}; returns the mask of members that failed. */
    public int await(IoSlot s) {
        return awaited(s);
    }

    /** The slot's wait with this fan-out's time limit; members that timed out are named in the log. */
    private int awaited(IoSlot s) {
        int failed = s.await(timeoutNanos);
        int silent = s.timedOut();
        if (silent != 0) {
            timedOut(silent);
        }
        return failed;
    }

    /** Members that did not answer in time: remembered as their error and named in the log. */
    private void timedOut(int silent) {
        for (int rest = silent; rest != 0; rest &= rest - 1) {
            int m = Integer.numberOfTrailingZeros(rest);
            MemberDevice d = devices[m];
            timeoutError[m] = new IOException((d == null ? "member " + m : d.name()) + ": no answer within "
                    + timeoutNanos / 1_000_000 + " ms (member timeout)");
            LOG.error("{}: {}", name, timeoutError[m].getMessage());
        }
    }

    /** Flushes the members in {@code mask}. */
    public int flush(IoSlot s, int mask) {
        return run(s, IoSlot.FLUSH, 0, 0, 0, false, mask);
    }

    /** Trims {@code [position, position + bytes)} on the members in {@code mask}. */
    public int trim(IoSlot s, long position, long bytes, int mask) {
        return run(s, IoSlot.TRIM, position, 0, bytes, false, mask);
    }

    /**
     * Reads {@code [0, length)} from one member into the slot's buffer, in the calling thread.
     *
     * @throws IOException when the member fails
     */
    public void read(IoSlot s, int member, long position, int length) throws IOException {
        s.prepare(IoSlot.READ, position, length, 0, false, 0);
        devices[member].read(position, s.viewFor(member));
    }

    private int run(IoSlot s, int op, long position, int length, long extent, boolean fua, int mask) {
        if (mask == 0) {
            return 0;
        }
        s.prepare(op, position, length, extent, fua, mask);
        // Every member the kernel reaches at once, then those with a port of their own.
        int rest = toPorts(s, aio != null && op != IoSlot.TRIM ? aio.submit(s, mask) : mask);
        if (rest == mask && !parallel && aio == null) {
            // Every member in turn by this thread: nobody else completes the slot.
            return Broadcast.toEach(mask, inline, s, lastInlineError);
        }
        if (parallel) {
            // The lowest member left by this thread while the I/O threads do the others.
            int first = Integer.lowestOneBit(rest);
            for (int r = rest & ~first; r != 0; r &= r - 1) {
                workers[Integer.numberOfTrailingZeros(r)].submit(s);
            }
            rest = first;
        }
        // What is left (devices in Java, the first member, everything in turn) by this thread
        // meanwhile, each completed here.
        if (rest != 0) {
            int failed = Broadcast.toEach(rest, inline, s, lastInlineError);
            for (; rest != 0; rest &= rest - 1) {
                int m = Integer.numberOfTrailingZeros(rest);
                s.complete(m, (failed & (1 << m)) == 0);
            }
        }
        return awaited(s);
    }

    /**
     * Hands the slot's request to the members of {@code mask} that have a port; returns the
     * others. Each port answers through {@link #portEnded}.
     */
    private int toPorts(IoSlot s, int mask) {
        int rest = mask;
        for (int r = mask; r != 0; r &= r - 1) {
            int m = Integer.numberOfTrailingZeros(r);
            MemberPort p = ports[m];
            if (p == null) {
                continue;
            }
            rest &= ~(1 << m);
            // Counted before it can answer: the slot stays out of the pool until the port gives
            // its buffer back, even after a time-out ended the request.
            s.issued(1);
            long tag = tag(s, m);
            switch (s.op) {
                case IoSlot.WRITE:
                    p.submitWrite(s.position, s.viewFor(m), s.fua, tag, portDone);
                    break;
                case IoSlot.READ:
                    p.submitRead(s.position, s.viewFor(m), tag, portDone);
                    break;
                case IoSlot.FLUSH:
                    p.submitFlush(tag, portDone);
                    break;
                case IoSlot.TRIM:
                    p.submitTrim(s.position, s.extent, tag, portDone);
                    break;
                default:
                    throw new IllegalStateException("unknown op " + s.op);
            }
        }
        return rest;
    }

    /** A port request's tag: which slot, which member (at most 31 members: five bits). */
    private static long tag(IoSlot s, int m) {
        return ((long) s.index << 5) | m;
    }

    /** A port answered (its thread): the member's part of the slot is done, as an I/O thread's. */
    private void portEnded(long tag, boolean ok) {
        IoSlot s = slots[(int) (tag >>> 5)];
        boolean back = s.returned();
        s.complete((int) (tag & 31), ok);
        if (back) {
            free.release(s.index);
        }
    }

    private final Exception[] lastInlineError = new Exception[31];


    /** The last error member {@code m} reported, for messages (not on the I/O path). */
    public String lastError(int m) {
        Exception e = lastException(m);
        return e == null ? "I/O error" : String.valueOf(e.getMessage());
    }

    /** The last error member {@code m} reported (its I/O thread's, else the inline one), or null. */
    public Exception lastException(int m) {
        if (timeoutError[m] != null) {
            return timeoutError[m];
        }
        IOException b = workers[m] == null ? null : workers[m].lastError();
        if (b == null && ports[m] != null) {
            b = ports[m].lastError();
        }
        if (b == null && aio != null && aio.serves(m)) {
            b = aio.lastError(m);
        }
        return b != null ? b : lastInlineError[m];
    }

    /** Tests: the kernel AIO context, or null when members are served by threads. */
    KernelAio kernelAio() {
        return aio;
    }

    /** Threads of the I/O path, for allocation measurements. */
    public Thread[] threads() {
        int n = (aio != null ? 1 : 0) + (watchdog != null ? 1 : 0);
        for (MemberWorker w : workers) {
            if (w != null) {
                n++;
            }
        }
        Thread[] t = new Thread[n];
        int i = 0;
        if (aio != null) {
            t[i++] = aio.thread();
        }
        if (watchdog != null) {
            t[i++] = watchdog;
        }
        for (MemberWorker w : workers) {
            if (w != null) {
                t[i++] = w.thread();
            }
        }
        return t;
    }

    @Override
    public synchronized void close() {
        open = false;
        if (watchdog != null) {
            LockSupport.unpark(watchdog);
        }
        for (int m = 0; m < workers.length; m++) {
            if (workers[m] != null) {
                workers[m].stop();
                workers[m] = null;
            }
        }
        if (aio != null) {
            aio.close();
        }
    }
}
