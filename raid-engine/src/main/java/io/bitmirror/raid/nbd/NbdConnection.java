package io.bitmirror.raid.nbd;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.array.RequestDone;
import io.bitmirror.raid.io.BoundedQueue;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.SlotPool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: the handshake, then a reader thread that takes requests off the socket
 * (buffered, see {@link SocketInput}). When the array's members complete asynchronously, the
 * reader submits each aligned read and write ({@link RaidArray#writeAsync}, {@link
 * RaidArray#readAsync}) and reads on; the request ends on the member completion thread, which
 * hands it to the {@link Replier}, which sends the replies waiting in one write. Otherwise the
 * reader runs a small read or write itself, batching its replies, or hands the request to one
 * of a few worker threads, which run it on the array and reply at once ({@link InlinePolicy}
 * decides which, from how long requests take). Flushes, trims and unaligned requests go to
 * workers; requests larger than a slot are cut in pieces by the reader. Replies go out in
 * whatever order requests finish. Requests and buffers are preallocated; the steady state
 * allocates nothing.
 *
 * <p>The array's request slots are shared by every connection, so no slot ever waits on this
 * connection's client: a write's payload is in this connection's memory (the receive buffer, or
 * {@link StagingBuffers}) before a slot is taken, and a read's data is copied out of its slot
 * (into the reader's batch, or the staging buffers) and the slot released before the reply is
 * written. A connection holds at most {@link #SLOTS_PER_CONNECTION} slots, and the staging
 * buffers bound its bytes in flight: a client that never reads its replies stalls its own reader
 * only. {@link #abort} (the server's stop) closes the socket and cancels queued requests.
 *
 * <p>A malformed request (bad magic, a write longer than {@link Nbd#MAX_REQUEST}, a payload cut
 * short) ends the connection cleanly; a request outside the export gets an error reply. Nothing
 * is ever written outside the data area: every range is checked here and again by the array.
 */
final class NbdConnection implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdConnection.class);

    static final int WORKERS = 16;
    static final int REQUESTS = 32;
    /**
     * Shared slots one connection may hold at once: half the array's 64. Not fewer: requests
     * queued for busy workers hold theirs, and at queue depth 32 a smaller share left the
     * workers waiting on the reader (measured with fio, dispatch=workers). A slot is only ever
     * held for device I/O, so the share bounds how long others wait, never how long a client can
     * make them wait.
     */
    static final int SLOTS_PER_CONNECTION = 32;
    /**
     * Receive buffer: about 15 queued 4 KiB writes per read. A payload up to this size waits here
     * whole before a slot is taken for it; a larger one waits in the staging buffers.
     */
    private static final int INPUT_BYTES = 64 << 10;
    /** The reader's reply batch: a queue depth's worth of 4 KiB read replies. */
    private static final int BATCH_BYTES = 160 << 10;
    private static final int BLOCK = RaidArray.BLOCK_SIZE;

    /** One request in flight, reused. */
    static final class Request {
        final int index;
        final ByteBuffer replyHeader = ByteBuffer.allocateDirect(ReplyOutput.MAX_HEADER).order(ByteOrder.BIG_ENDIAN);
        /** Header, then a read's data: its slot (reader) or its staging chunks (workers). */
        final ByteBuffer[] gather = new ByteBuffer[1 + StagingBuffers.PER_REQUEST];
        /** The staging chunks a dispatched read's reply waits in, as a mask (0: none). */
        long staged;
        int type;
        int flags;
        long cookie;
        long offset;
        long length;
        IoSlot slot;
        /** A submitted request's end: preallocated with the record ({@link #requestEnded}). */
        RequestDone done;
        /** The NBD error a submitted request ended with, for its reply. */
        int error;

        Request(int index) {
            this.index = index;
            gather[0] = replyHeader;
        }
    }

    /**
     * A thread with its own queue of requests, parked while it is empty (as the member workers):
     * the workers and the replier. Allocation-free.
     */
    private abstract class QueueThread implements Runnable {
        final BoundedQueue<Request> queue = new BoundedQueue<>(REQUESTS);
        final Thread thread;
        private volatile boolean sleeping;

        QueueThread(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        void submit(Request r) {
            queue.offer(r);
            // Dekker with next(): either the thread sees the request on its re-check, or we see it asleep.
            if (sleeping) {
                LockSupport.unpark(thread);
            }
        }

        /**
         * The next request, parking while there is none; null once the connection is done and
         * the queue is empty. When the queue runs empty, {@link #idle} runs first.
         */
        Request next() {
            while (true) {
                Request r = queue.poll();
                if (r != null) {
                    return r;
                }
                if (idle()) {
                    continue;
                }
                sleeping = true;
                r = queue.poll();
                if (r != null) {
                    sleeping = false;
                    return r;
                }
                if (workersDone) {
                    return null;
                }
                LockSupport.park(this);
                sleeping = false;
            }
        }

        /** Work to do when the queue ran empty, before parking; true when it did some. */
        boolean idle() {
            return false;
        }
    }

    /** A worker: runs the requests handed to it and replies to each. */
    private final class Worker extends QueueThread {
        Worker(String name) {
            super(name);
        }

        @Override
        public void run() {
            for (Request r = next(); r != null; r = next()) {
                if (aborted) {
                    cancel(r);
                } else {
                    execute(r);
                }
            }
        }
    }

    /**
     * Sends the replies of asynchronous requests: the member completion thread hands it each ended
     * request, and it writes every reply that is waiting in one write to the socket, so under
     * load a reply costs one hand-off and a share of a system call. The completion thread never
     * touches the socket: a client that does not read its replies blocks this thread only.
     */
    private final class Replier extends QueueThread {
        /**
         * Replies gathered for one write to the socket: every write reply in flight, or a queue
         * depth's worth of 4 KiB read replies; a larger read goes out from its staging chunks.
         */
        private final ByteBuffer batch = ByteBuffer.allocateDirect(BATCH_BYTES).order(ByteOrder.BIG_ENDIAN);
        /** Replies in the batch. */
        private int pending;

        Replier(String name) {
            super(name);
        }

        /** Nothing more has ended: what has goes out now, in one write. */
        @Override
        boolean idle() {
            if (pending == 0) {
                return false;
            }
            send(pending);
            pending = 0;
            return true;
        }

        @Override
        public void run() {
            for (Request r = next(); r != null; r = next()) {
                int data = r.type == Nbd.CMD_READ && r.error == 0 ? (int) r.length : 0;
                if (batch.remaining() < ReplyOutput.MAX_DATA_HEADER + data) {
                    send(pending);
                    pending = 0;
                }
                if (batch.remaining() < ReplyOutput.MAX_DATA_HEADER + data) {
                    // A read too large to batch: its header and data now, from the staging chunks.
                    fillHeader(r, 0, data);
                    r.replyHeader.flip();
                    out.send(r.gather, 1 + staging.views(r.staged, r.length, r.gather, 1));
                    staging.give(r.staged);
                    r.staged = 0;
                    releaseRequest(r);
                    inFlight.decrementAndGet();
                    continue;
                }
                out.putHeader(batch, r.error, r.cookie, r.offset, data);
                if (data != 0) {
                    int k = staging.views(r.staged, r.length, r.gather, 1);
                    for (int i = 1; i <= k; i++) {
                        batch.put(r.gather[i]);
                    }
                }
                // Everything is copied: the record and its chunks may take the next request at once.
                staging.give(r.staged);
                r.staged = 0;
                releaseRequest(r);
                pending++;
            }
        }

        private void send(int replies) {
            batch.flip();
            out.send(batch);
            batch.clear();
            // Only now: a drain waits until the replies are written, not just queued.
            inFlight.addAndGet(-replies);
        }
    }

    private final SocketChannel ch;
    private final NbdServer server;
    private final RaidArray array;
    private final int id;
    private final Request[] requests = new Request[REQUESTS];
    private final SlotPool freeRequests = new SlotPool(REQUESTS);
    private final Worker[] workers = new Worker[WORKERS];
    private final Replier replier;
    /** Made once the handshake chose the channel (the socket, or TLS over it); before the workers start. */
    private ReplyOutput out;
    private SocketInput in;
    /** base:allocation or a dirty bitmap was selected: BLOCK_STATUS is served. */
    private boolean blockStatus;
    private boolean baseAllocation;
    /** qemu:dirty-bitmap:NAME selected: NAME, else null. */
    private String dirtyBitmap;
    /** Descriptors of one BLOCK_STATUS reply: length in the high half, flags in the low half. */
    private final long[] extents = new long[MAX_EXTENTS];
    /** Until transmission starts, when the server closes this connection; 0 after. */
    private volatile long handshakeDeadline;
    private final InlinePolicy policy;
    private final RequestHeader header = new RequestHeader();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger slotsHeld = new AtomicInteger();
    private final StagingBuffers staging;
    private volatile boolean workersDone;
    private volatile boolean aborted;
    /**
     * Aligned reads and writes are submitted by the reader and answered from their completions
     * (the array's members complete asynchronously, and dispatch is auto); else the policy's way.
     */
    private final boolean asynchronous;
    /** The export is read-only: writes, trims and write-zeroes are answered EPERM by the reader. */
    private final boolean readOnly;
    private int next;

    /** Descriptors per BLOCK_STATUS reply at most (8 KiB of payload); the client asks again for the rest. */
    static final int MAX_EXTENTS = 1024;

    NbdConnection(SocketChannel ch, NbdServer server, int id, long handshakeDeadline) {
        this.ch = ch;
        this.server = server;
        this.array = server.array();
        this.readOnly = server.readOnly();
        this.id = id;
        this.handshakeDeadline = handshakeDeadline;
        this.policy = new InlinePolicy(server.dispatch());
        this.asynchronous = server.dispatch() == Dispatch.AUTO && array.asynchronousWrites();
        this.staging = new StagingBuffers(array.maxIoBytes());
        for (int i = 0; i < REQUESTS; i++) {
            Request r = new Request(i);
            r.done = (s, e) -> requestEnded(r, e);
            requests[i] = r;
        }
        this.replier = new Replier("nbd-" + id + "-tx");
        for (int w = 0; w < WORKERS; w++) {
            workers[w] = new Worker("nbd-" + id + "-w" + w);
        }
    }

    private volatile Thread reader;
    private TlsChannel tls;

    int id() {
        return id;
    }

    /** True while in the handshake past its deadline. */
    boolean handshakeOverdue(long now) {
        long d = handshakeDeadline;
        return d != 0 && now - d > 0;
    }

    /** Threads that serve requests (the reader and the workers), for allocation measurements. */
    Thread[] workerThreads() {
        Thread[] t = new Thread[WORKERS + 2];
        for (int i = 0; i < WORKERS; i++) {
            t[i] = workers[i].thread;
        }
        t[WORKERS] = reader;
        t[WORKERS + 1] = replier.thread;
        return t;
    }

    @Override
    public void run() {
        reader = Thread.currentThread();
        try {
            Handshake hs = new Handshake(ch, server, id, array.sizeBytes(), BLOCK);
            Handshake.Outcome o = hs.run();
            handshakeDeadline = 0;
            if (o == Handshake.Outcome.TRANSMIT) {
                ByteChannel c = hs.channel();
                this.tls = c instanceof TlsChannel ? (TlsChannel) c : null;
                this.out = new ReplyOutput((GatheringByteChannel) c, id, BATCH_BYTES);
                out.structured(hs.structured());
                this.blockStatus = hs.baseAllocation() || hs.dirtyBitmap() != null;
                this.baseAllocation = hs.baseAllocation();
                this.dirtyBitmap = hs.dirtyBitmap();
                // Batched replies go out before the reader may block on the socket: the client may be
                // waiting for them before it sends anything more.
                this.in = new SocketInput(c, INPUT_BYTES, out::flush);
                if (tls != null) {
                    LOG.debug("connection {}: {}", id, tls.describe());
                }
                for (Worker w : workers) {
                    w.thread.start();
                }
                replier.thread.start();
                transmit();
            }
        } catch (Handshake.TlsFailure e) {
            // One line: a failed TLS handshake is the client's problem, never the server's.
            LOG.warn("connection {}: {}", id, e.getMessage());
        } catch (IOException e) {
            if (handshakeDeadline != 0) {
                // A refusal in the handshake (bad magic, unknown export, TLS required): one line.
                LOG.info("connection {}: handshake ended: {}", id, e.getMessage());
            } else {
                LOG.debug("connection {}: {}", id, e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warn("connection {}: {}", id, e.toString());
        } finally {
            drainAndClose();
        }
    }

    private void transmit() throws IOException {
        long size = array.sizeBytes();
        ByteBuffer ib = in.buffer();
        while (true) {
            if (!in.need(Nbd.REQUEST_LENGTH)) {
                if (!in.drained()) {
                    LOG.warn("connection {}: client hung up in the middle of a request header", id);
                }
                return;
            }
            header.wrap(ib, ib.position());
            if (header.magic() != Nbd.REQUEST_MAGIC) {
                LOG.warn("connection {}: request magic 0x{}: not NBD, disconnecting", id,
                        Integer.toHexString(header.magic()));
                return;
            }
            int type = header.type();
            if (type == Nbd.CMD_DISC) {
                return;
            }
            long offset = header.offset();
            long length = header.length();
            int flags = header.flags();
            long cookie = header.cookie();
            in.consume(Nbd.REQUEST_LENGTH);
            Request r = acquireRequest();
            r.type = type;
            r.flags = flags;
            r.cookie = cookie;
            r.offset = offset;
            r.length = length;
            r.slot = null;
            boolean inRange = offset >= 0 && length <= size && offset <= size - length;
            switch (type) {
                case Nbd.CMD_WRITE:
                    if (length > Nbd.MAX_REQUEST) {
                        // Cannot tell the payload from the next request any more: disconnect.
                        LOG.warn("connection {}: write of {} bytes exceeds {}, disconnecting", id, length,
                                Nbd.MAX_REQUEST);
                        releaseRequest(r);
                        return;
                    }
                    if (readOnly || !inRange) {
                        // The payload is skipped, never staged: a read-only export never has
                        // write data in a slot. The protocol: writes to a read-only export error.
                        if (!in.skip(length)) {
                            warnCutShort();
                            releaseRequest(r);
                            return;
                        }
                        refuse(r, readOnly ? Nbd.EPERM : Nbd.ENOSPC);
                        continue;
                    }
                    if (!fitsOneSlot(offset, length)) {
                        if (!largeWrite(r)) {
                            return;
                        }
                        continue;
                    }
                    if (!receiveWrite(r)) {
                        // A payload cut short: nothing of it is written.
                        warnCutShort();
                        releaseRequest(r);
                        return;
                    }
                    run(r);
                    break;
                case Nbd.CMD_READ:
                    if (!inRange || length > Nbd.MAX_REQUEST) {
                        refuse(r, Nbd.EINVAL);
                        continue;
                    }
                    if (!fitsOneSlot(offset, length)) {
                        largeRead(r);
                        continue;
                    }
                    read(r);
                    break;
                case Nbd.CMD_FLUSH:
                    r.slot = slot();
                    dispatch(r);
                    break;
                case Nbd.CMD_TRIM:
                case Nbd.CMD_WRITE_ZEROES:
                    if (readOnly) {
                        refuse(r, Nbd.EPERM);
                        continue;
                    }
                    if (!inRange) {
                        refuse(r, type == Nbd.CMD_TRIM ? Nbd.EINVAL : Nbd.ENOSPC);
                        continue;
                    }
                    r.slot = slot();
                    dispatch(r);
                    break;
                case Nbd.CMD_BLOCK_STATUS:
                    if (!blockStatus || length == 0 || !inRange) {
                        // No context selected, or a range the protocol forbids.
                        refuse(r, Nbd.EINVAL);
                        continue;
                    }
                    blockStatus(r);
                    continue;
                default:
                    // Unknown commands carry no payload we could skip reliably only for writes;
                    // anything else gets EINVAL, as the protocol asks.
                    refuse(r, Nbd.EINVAL);
            }
        }
    }

    /**
     * True when the blocks that {@code [offset, offset+length)} touches fit one slot: such a
     * request goes whole to one thread (a worker, or the reader when fast), so a client's 1 MiB
     * requests at queue depth 4 run four at a time rather than one after the other on the reader.
     */
    private boolean fitsOneSlot(long offset, long length) {
        long head = offset & (BLOCK - 1);
        return head + length <= array.maxIoBytes();
    }

    /** A request that does not fit one slot is cut in pieces of at most this many bytes. */
    private int pieceBytes() {
        return array.maxIoBytes() - 2 * BLOCK;
    }

    /** An error reply from the reader for a request it did not run. */
    private void refuse(Request r, int error) {
        out.queue(error, r.cookie, 0, null);
        releaseRequest(r);
    }

    /**
     * BLOCK_STATUS of base:allocation, on the reader (a few lseeks per extent): at most
     * {@link #MAX_EXTENTS} descriptors, one with REQ_ONE, none past the requested range.
     */
    private void blockStatus(Request r) {
        int max = (r.flags & Nbd.CMD_FLAG_REQ_ONE) != 0 ? 1 : MAX_EXTENTS;
        if (dirtyBitmap != null) {
            io.bitmirror.bitmap.engine.ChangeBitmap b = array.changes().find(dirtyBitmap);
            if (b == null) {
                // Stopped since the handshake: nothing left to report.
                refuse(r, Nbd.EINVAL);
                return;
            }
            if (baseAllocation && !allocation(r, max, false)) {
                return;
            }
            int n = DirtyExtents.fill(b, r.offset, r.offset + r.length, extents, max);
            out.queueBlockStatus(r.cookie, Handshake.DIRTY_BITMAP_ID, extents, n, true);
            releaseRequest(r);
            return;
        }
        if (allocation(r, max, true)) {
            releaseRequest(r);
        }
    }

    /** The base:allocation chunk; false when the request was refused (and released). */
    private boolean allocation(Request r, int max, boolean done) {
        long at = r.offset;
        long end = r.offset + r.length;
        int n = 0;
        try {
            while (at < end && n < max) {
                boolean hole = array.holeAt(at);
                long e = array.runEnd(at, end, hole);
                int flags = hole ? Nbd.STATE_HOLE | Nbd.STATE_ZERO : 0;
                if (n > 0 && (int) extents[n - 1] == flags) {
                    // Runs of one kind next to each other (seen at different members) are one extent.
                    extents[n - 1] += (e - at) << 32;
                } else {
                    extents[n++] = ((e - at) << 32) | (flags & 0xffffffffL);
                }
                at = e;
            }
        } catch (IOException e) {
            LOG.warn("connection {}: block status at {}: {}", id, at, e.getMessage());
            if (n == 0) {
                refuse(r, Nbd.EIO);
                return false;
            }
        }
        out.queueBlockStatus(r.cookie, Handshake.BASE_ALLOCATION_ID, extents, n, done);
        return true;
    }

    private void warnCutShort() {
        LOG.warn("connection {}: client hung up in the middle of a write payload", id);
    }

    /**
     * Takes a shared slot, first waiting while this connection holds its share. Reader thread
     * only (the check and the count cannot race).
     */
    private IoSlot slot() throws IOException {
        while (slotsHeld.get() >= SLOTS_PER_CONNECTION) {
            if (aborted) {
                throw new IOException("connection closed");
            }
            LockSupport.parkNanos(this, 20_000);
        }
        slotsHeld.incrementAndGet();
        return array.acquireSlot();
    }

    private void releaseSlot(IoSlot s) {
        array.releaseSlot(s);
        slotsHeld.decrementAndGet();
    }

    /**
     * Brings a write's payload (one slot's worth at most) into its slot. The whole payload is in
     * this connection's memory before the shared slot is taken, so a client that sends half a
     * payload and stops holds no slot: small payloads wait in the receive buffer (no extra copy),
     * larger ones in the staging buffers (one copy more).
     *
     * @return false when the client hung up in the middle of the payload
     */
    private boolean receiveWrite(Request r) throws IOException {
        int head = (int) (r.offset & (BLOCK - 1));
        int length = (int) r.length;
        if (length <= INPUT_BYTES) {
            // The payload follows its header: no reply needs to go out before it is read.
            if (!in.needRest(length)) {
                return false;
            }
            r.slot = slot();
            ByteBuffer d = r.slot.data();
            d.limit(head + length).position(head);
            // Buffered already: this reads nothing from the socket.
            in.readInto(d);
            return true;
        }
        long m = staging.take(length);
        try {
            if (!staging.receive(m, length, in)) {
                return false;
            }
            r.slot = slot();
            ByteBuffer d = r.slot.data();
            d.limit(head + length).position(head);
            staging.drain(m, length, d);
            return true;
        } finally {
            staging.give(m);
        }
    }

    /**
     * A read that fits one slot: on the reader when the policy says requests are fast and its
     * reply fits the batch, on a worker otherwise. FUA waits for a device flush, never fast.
     */
    private void read(Request r) throws IOException {
        if (asynchronous) {
            // Submitted, never run here: a read from a disk waits; unaligned ones go to a worker.
            r.staged = staging.take(r.length);
            r.slot = slot();
            if (!submitted(r)) {
                dispatch(r);
            }
            return;
        }
        boolean eligible = (r.flags & Nbd.CMD_FLAG_FUA) == 0 && r.length <= BATCH_BYTES - ReplyOutput.MAX_DATA_HEADER;
        long t0 = eligible ? System.nanoTime() : 0;
        if (eligible && policy.inline(t0)) {
            // Room in the batch first: if the batch has to go out, it goes while no slot is held.
            out.reserve(ReplyOutput.MAX_DATA_HEADER + (int) r.length);
            r.slot = slot();
            runInline(r, t0);
            return;
        }
        // The reply's data will wait in this connection's memory, not in the slot.
        r.staged = staging.take(r.length);
        r.slot = slot();
        dispatch(r);
    }

    /**
     * Runs a write whose payload is in its slot: on this (the reader) thread when the policy says
     * requests are fast, on a worker otherwise. FUA waits for a device flush, never fast.
     */
    private void run(Request r) {
        if (asynchronous && submitted(r)) {
            return;
        }
        if ((r.flags & Nbd.CMD_FLAG_FUA) != 0) {
            dispatch(r);
            return;
        }
        long t0 = System.nanoTime();
        if (!policy.inline(t0)) {
            dispatch(r);
            return;
        }
        runInline(r, t0);
    }

    /**
     * Submits a read or write to the array and leaves it: its reply goes out from its completion
     * ({@link #requestEnded}, then the {@link Replier}). FUA too: the members make each copy
     * durable before they answer.
     *
     * @return false when the array does not take the request asynchronously (unaligned: a
     *     write's partial blocks are merged under locks the writing thread holds); nothing was done
     */
    private boolean submitted(Request r) {
        inFlight.incrementAndGet();
        try {
            boolean taken = r.type == Nbd.CMD_READ ? array.readAsync(r.slot, r.offset, (int) r.length, r.done)
                    : array.writeAsync(r.slot, r.offset, (int) r.length, (r.flags & Nbd.CMD_FLAG_FUA) != 0, r.done);
            if (taken) {
                return true;
            }
        } catch (ArrayException | RuntimeException e) {
            // Refused before anything was submitted (a stopped array, no member to use), or a
            // bug: the slot and the chunks go back, the client hears EIO.
            inFlight.decrementAndGet();
            releaseSlot(r.slot);
            r.slot = null;
            staging.give(r.staged);
            r.staged = 0;
            refuse(r, e instanceof IOException io ? errorOf(r, r.offset, r.length, io) : Nbd.EIO);
            return true;
        }
        inFlight.decrementAndGet();
        return false;
    }

    /**
     * An asynchronous request ended (the member completion thread, usually): a read's data
     * copied to the connection's staging chunks, the shared slot given back, the reply queued.
     */
    private void requestEnded(Request r, ArrayException error) {
        r.error = error == null ? 0 : errorOf(r, r.offset, r.length, error);
        if (r.type == Nbd.CMD_READ && error == null) {
            staging.fill(r.staged, readData(r));
        }
        releaseSlot(r.slot);
        r.slot = null;
        replier.submit(r);
    }

    /** Runs a read or write on the reader; a read's reply goes into the batch before its slot goes back. */
    private void runInline(Request r, long t0) {
        int error;
        try {
            error = perform(r, r.slot, r.offset, r.length, false);
            if (r.type == Nbd.CMD_READ && error == 0) {
                // Room was reserved: this copies into the batch and never writes the socket.
                out.queue(0, r.cookie, r.offset, readData(r));
                error = -1;
            }
        } finally {
            releaseSlot(r.slot);
            r.slot = null;
        }
        if (error >= 0) {
            out.queue(error, r.cookie, 0, null);
        }
        releaseRequest(r);
        long t1 = System.nanoTime();
        policy.ran(t1 - t0, t1);
    }

    /** A read's bytes in its slot, positioned for the reply. */
    private static ByteBuffer readData(Request r) {
        int head = (int) (r.offset & (BLOCK - 1));
        ByteBuffer d = r.slot.data();
        d.limit(head + (int) r.length).position(head);
        return d;
    }

    private void dispatch(Request r) {
        inFlight.incrementAndGet();
        Worker w = workers[next];
        next = (next + 1) % WORKERS;
        w.submit(r);
    }

    /**
     * Runs one request (worker thread) and replies. The slot goes back to the pool before the
     * reply is written: a read's data is copied to the connection's staging chunks first, so a
     * client that does not read its replies keeps this worker waiting, never a shared slot.
     */
    private void execute(Request r) {
        int error;
        boolean data = false;
        try {
            error = perform(r, r.slot, r.offset, r.length, true);
            if (r.type == Nbd.CMD_READ && error == 0) {
                staging.fill(r.staged, readData(r));
                data = true;
            }
        } finally {
            releaseSlot(r.slot);
            r.slot = null;
        }
        try {
            fillHeader(r, error, data ? (int) r.length : 0);
            r.replyHeader.flip();
            int count = 1 + (data ? staging.views(r.staged, r.length, r.gather, 1) : 0);
            out.send(r.gather, count);
        } finally {
            staging.give(r.staged);
            r.staged = 0;
            releaseRequest(r);
            inFlight.decrementAndGet();
        }
    }

    /** A queued request of an aborted connection: its resources go back, nothing runs. */
    private void cancel(Request r) {
        if (r.slot != null) {
            releaseSlot(r.slot);
            r.slot = null;
        }
        staging.give(r.staged);
        r.staged = 0;
        releaseRequest(r);
        inFlight.decrementAndGet();
    }

    /**
     * Performs a request (or one piece of a large one) whose data sits in the slot at
     * {@code offset & 4095}. Any alignment is served: the array merges partial blocks.
     *
     * @return the NBD error (0 for success)
     */
    private int perform(Request r, IoSlot s, long offset, long length, boolean fuaAllowed) {
        try {
            boolean fua = fuaAllowed && (r.flags & Nbd.CMD_FLAG_FUA) != 0;
            switch (r.type) {
                case Nbd.CMD_READ:
                    array.read(s, offset, (int) length);
                    return 0;
                case Nbd.CMD_WRITE:
                    array.write(s, offset, (int) length, fua);
                    return 0;
                case Nbd.CMD_FLUSH:
                    array.flush(s);
                    return 0;
                case Nbd.CMD_TRIM: {
                    // Trim is advisory: partial blocks are left alone; whole blocks become zero
                    // on every member, so the mirrors stay identical.
                    long a0 = (offset + BLOCK - 1) & ~(BLOCK - 1L);
                    long a1 = (offset + length) & ~(BLOCK - 1L);
                    if (a1 > a0) {
                        array.trim(s, a0, a1 - a0, fua);
                    } else if (fua) {
                        array.flush(s);
                    }
                    return 0;
                }
                case Nbd.CMD_WRITE_ZEROES:
                    zeroes(s, offset, length, fua);
                    return 0;
                default:
                    return Nbd.EINVAL;
            }
        } catch (IOException e) {
            return errorOf(r, offset, length, e);
        } catch (RuntimeException e) {
            LOG.error("connection {}: request type {} at {}: {}", id, r.type, offset, e.toString());
            return Nbd.EIO;
        }
    }

    /** The NBD error for a request the array failed; said in the log unless the server is stopping. */
    private int errorOf(Request r, long offset, long length, IOException e) {
        if (array.stopped()) {
            // The server is going away under the request: say so, as nbdkit does.
            return Nbd.ESHUTDOWN;
        }
        LOG.warn("connection {}: {} at {}+{}: {}", id, r.type, offset, length, e.getMessage());
        return Nbd.EIO;
    }

    /** Zeroes written through the slot: a part of at most a block at either end of WRITE_ZEROES. */
    private void writeZeroes(IoSlot s, long offset, long length, boolean fua) throws IOException {
        ByteBuffer d = s.data().clear();
        int head = (int) (offset & (BLOCK - 1));
        for (int i = head; i < head + length; i++) {
            d.put(i, (byte) 0);
        }
        array.write(s, offset, (int) length, fua);
    }

    /** WRITE_ZEROES: partial blocks written as zeroes, whole blocks trimmed (zero on every member). */
    private void zeroes(IoSlot s, long offset, long length, boolean fua) throws IOException {
        long end = offset + length;
        long m0 = (offset + BLOCK - 1) & ~(BLOCK - 1L);
        long m1 = end & ~(BLOCK - 1L);
        if (m1 <= m0) {
            writeZeroes(s, offset, length, fua);
            return;
        }
        if (offset < m0) {
            writeZeroes(s, offset, m0 - offset, false);
        }
        array.trim(s, m0, m1 - m0, false);
        if (end > m1) {
            writeZeroes(s, m1, end - m1, false);
        }
        if (fua) {
            array.flush(s);
        }
    }

    /** A write longer than a slot: payload read piece by piece, each piece written in turn. */
    private boolean largeWrite(Request r) throws IOException {
        // Each piece arrives in the connection's own memory; a slot is taken only to write it.
        long m = staging.take(pieceBytes());
        int error = 0;
        try {
            long at = r.offset;
            long end = r.offset + r.length;
            while (at < end) {
                long pieceEnd = Math.min(end, (at & ~(BLOCK - 1L)) + pieceBytes());
                int head = (int) (at & (BLOCK - 1));
                if (!staging.receive(m, pieceEnd - at, in)) {
                    warnCutShort();
                    return false;
                }
                if (error == 0) {
                    IoSlot s = slot();
                    try {
                        ByteBuffer d = s.data();
                        d.limit(head + (int) (pieceEnd - at)).position(head);
                        staging.drain(m, pieceEnd - at, d);
                        error = perform(r, s, at, pieceEnd - at, false);
                    } finally {
                        releaseSlot(s);
                    }
                }
                at = pieceEnd;
            }
            if (error == 0 && (r.flags & Nbd.CMD_FLAG_FUA) != 0) {
                // FUA covers the whole request: one flush after the last piece.
                IoSlot s = slot();
                try {
                    array.flush(s);
                } catch (IOException e) {
                    error = Nbd.EIO;
                } finally {
                    releaseSlot(s);
                }
            }
        } finally {
            staging.give(m);
        }
        out.queue(error, r.cookie, 0, null);
        releaseRequest(r);
        return true;
    }

    /** A read longer than a slot: the reply header, then the data piece by piece. */
    private void largeRead(Request r) throws IOException {
        // Taken before the stream's lock: workers give chunks back only after they have sent.
        long m = staging.take(pieceBytes());
        try {
            synchronized (out.beginStream()) {
                // Structured: one OFFSET_DATA chunk for the whole read (DF holds), its data in pieces.
                fillHeader(r, 0, (int) r.length);
                r.replyHeader.flip();
                out.writeHeld(r.replyHeader);
                long at = r.offset;
                long end = r.offset + r.length;
                while (at < end) {
                    long pieceEnd = Math.min(end, (at & ~(BLOCK - 1L)) + pieceBytes());
                    long n = pieceEnd - at;
                    // The piece is copied out and its slot released before the socket may block.
                    IoSlot s = slot();
                    try {
                        int err = perform(r, s, at, n, false);
                        if (err != 0) {
                            // The header already said success: the only honest way out is to hang up.
                            throw new IOException("read error in the middle of a large read");
                        }
                        int head = (int) (at & (BLOCK - 1));
                        ByteBuffer d = s.data();
                        d.limit(head + (int) n).position(head);
                        staging.fill(m, d);
                    } finally {
                        releaseSlot(s);
                    }
                    int k = staging.views(m, n, r.gather, 1);
                    for (int i = 1; i <= k; i++) {
                        out.writeHeld(r.gather[i]);
                    }
                    at = pieceEnd;
                }
            }
        } finally {
            staging.give(m);
            releaseRequest(r);
        }
    }

    private void fillHeader(Request r, int error, int dataBytes) {
        r.replyHeader.clear();
        out.putHeader(r.replyHeader, error, r.cookie, r.offset, dataBytes);
    }

    private Request acquireRequest() throws IOException {
        while (true) {
            int i = freeRequests.tryAcquire();
            if (i >= 0) {
                return requests[i];
            }
            if (aborted) {
                throw new IOException("connection closed");
            }
            freeRequests.park();
        }
    }

    private void releaseRequest(Request r) {
        freeRequests.release(r.index);
    }

    /** Stops reading, lets requests in flight finish and reply, then closes. */
    private void drainAndClose() {
        // The reader's batched replies first: a client that sent DISC still reads them.
        if (out != null) {
            out.flush();
        }
        long end = System.nanoTime() + 30_000_000_000L;
        while (inFlight.get() != 0 && System.nanoTime() < end) {
            LockSupport.parkNanos(1_000_000L);
        }
        workersDone = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
        LockSupport.unpark(replier.thread);
        // close_notify only when no worker is sending: one stuck writing to a client that does
        // not read holds the TLS write lock, and closing the socket is what frees it.
        if (tls != null && out != null && !out.broken() && inFlight.get() == 0) {
            tls.closeOutbound();
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing a socket that already failed
        }
        server.closed(this);
    }

    /**
     * Called by the server when stopping, once the connection has had its time to drain: closes
     * the socket, which wakes the reader and any worker blocked on it, and makes the workers
     * drop the requests still queued, so nothing more reaches the array. A request already on
     * the array finishes there; its reply is lost with the socket.
     */
    void abort() {
        aborted = true;
        staging.close();
        try {
            ch.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** Called by the server on shutdown: the reader sees end of stream and drains. */
    void shutdown() {
        try {
            ch.shutdownInput();
        } catch (IOException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
