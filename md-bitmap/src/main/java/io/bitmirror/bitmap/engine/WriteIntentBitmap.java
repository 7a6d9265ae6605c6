package io.bitmirror.bitmap.engine;

import static io.bitmirror.bitmap.engine.ChunkCounters.COUNTER_MAX;
import static io.bitmirror.bitmap.engine.ChunkCounters.NEEDED;
import static io.bitmirror.bitmap.engine.ChunkCounters.RESYNC;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;
import io.bitmirror.bitmap.format.BitmapValidator;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The write-intent bitmap of one array: what the array calls around every data write and resync.
 *
 * <p>Write path: {@link #startWrite} before the data write (returns once the chunks' bits are
 * durable in every bitmap copy: W1), {@link #endWrite} after it completed on every member
 * (including write-behind members: call it only when those completed too, so the chunk's count
 * stays raised and it cannot be cleared, W2). Resync: {@link #startSync}, {@link #endSync},
 * {@link #closeSync}. Lazy clearing: the array calls {@link #flushTicket()} before it flushes
 * every member and {@link #membersFlushed(long)} after; the daemon clears only chunks idle since
 * before such a flush (W2), never while {@link #setDegraded degraded} (W4), and when idle chunks
 * wait for a flush that nobody sends it issues one itself through the {@link MemberFlush} the
 * array gives it (L1: idle bits are cleared on disk within about two daemon_sleep periods).
 *
 * <p>Locking: an already-dirty chunk costs one CAS on its counter and one volatile read, no lock.
 * Dirtying a clean chunk, clearing and snapshotting take one engine lock (a monitor: it allocates
 * no heap memory even when contended).
 *
 * <p>Write errors: a failed page write or store flush puts the bitmap in write-error state, as md
 * does: the stale flag is set in the superblock and written where the store still takes writes
 * (the next assembly then resyncs everything, W3), nothing is cleared any more, pages that failed
 * stay dirty and are retried, and writers are released after each attempt so the array keeps
 * running.
 */
public final class WriteIntentBitmap implements AutoCloseable {
    /** Most entries of the epoch table: 8 MiB of longs. */
    private static final int MAX_EPOCH_ENTRIES = 1 << 20;
    private static final long SATURATED_WAIT_NANOS = 20_000;

    private final BitmapStore store;
    private final Object lock = new Object();
    private final ChunkCounters counters;
    private final PageImages pages;
    private final BitmapSuperblock sb = new BitmapSuperblock();
    private final long chunks;
    private final int chunkBytes;
    /** Per chunk (or group of 2^groupShift chunks): the epoch that must be durable before a write there goes out. */
    private final AtomicLongArray groupEpoch;
    /** log2 of the chunks that share an entry of {@link #groupEpoch}. */
    private final int groupShift;
    private final EpochWaiters waiters;
    private final Flusher flusher;
    private final BitmapDaemon daemon;
    private final boolean daemonThread;
    private final Mutant mutant;
    /** {@link BitmapEngineOptions#readOnly}: nothing is ever written to the store. */
    private final boolean readOnly;
    private final AtomicLong ticket = new AtomicLong();
    private final AtomicLong flushedTicket = new AtomicLong();
    private volatile boolean degraded;
    private volatile boolean writeError;
    private volatile boolean closed;
    private String loadReason;
    private static final ChangeBitmap[] NO_TRACKERS = new ChangeBitmap[0];
    /** Changed-block bitmaps; replaced (copy on write) under the lock, read without it. */
    private volatile ChangeBitmap[] trackers = NO_TRACKERS;

    private WriteIntentBitmap(BitmapStore store, ByteBuffer page0, BitmapEngineOptions options) {
        this.store = store;
        BitmapSuperblock head = new BitmapSuperblock().wrap(page0, 0);
        this.chunks = head.chunks();
        this.chunkBytes = head.chunksize();
        this.mutant = options.mutant;
        this.readOnly = options.readOnly;
        this.counters = new ChunkCounters(chunks);
        this.pages = new PageImages(BitmapGeometry.totalBytes(chunks), store.sizeBytes());
        this.sb.wrap(pages.live(), 0);
        // One epoch per chunk while the table stays small (up to 2^20 chunks; md's default
        // bitmaps have far fewer): a writer of an already-durable chunk then never waits for a
        // neighbour's bitmap flush. Larger bitmaps share an entry among 2^shift chunks.
        this.groupShift = Math.max(0, 64 - Long.numberOfLeadingZeros(Math.max(1, chunks - 1)) - 20);
        this.groupEpoch = new AtomicLongArray((int) ((chunks >>> groupShift) + 1));
        this.waiters = new EpochWaiters(options.waiterSlots);
        this.flusher = new Flusher(this, lock, pages, store, waiters, options.storeTimeoutNanos, mutant,
                "bitmap-flusher");
        long sleepNanos = options.daemonSleepMillis >= 0 ? options.daemonSleepMillis * 1_000_000L
                : head.daemonSleep() * 1_000_000_000L;
        this.daemon = new BitmapDaemon(this, counters, Math.max(1_000_000L, sleepNanos), mutant, "bitmap-daemon");
        // Read-only: no daemon, so no bit is ever cleared (clearing writes pages).
        this.daemonThread = options.startDaemon && !options.readOnly;
    }

    // ------------------------------------------------------------------ creation and loading

    /**
     * Writes a fresh bitmap (superblock and bits, every page, every copy) and flushes it.
     *
     * @param allDirty true: every bit set (a new array that has not been synced); false: clean
     */
    public static void format(BitmapStore store, byte[] uuid, long syncSizeSectors, int chunkBytes,
            int daemonSleepSeconds, int writeBehind, long events, boolean allDirty) throws IOException {
        long chunks = BitmapGeometry.chunks(syncSizeSectors, chunkBytes);
        PageImages img = new PageImages(BitmapGeometry.totalBytes(chunks), store.sizeBytes());
        BitmapSuperblock sb = new BitmapSuperblock().wrap(img.live(), 0);
        sb.init(uuid, syncSizeSectors, chunkBytes, daemonSleepSeconds, writeBehind, 0).events(events)
                .eventsCleared(events);
        BitmapValidator.validate(sb, uuid, store.sizeBytes());
        BitmapBits.fill(img.live(), PageImages.BITS_BASE, chunks, allDirty);
        img.markAllDirty();
        int[] list = new int[img.pages()];
        int n = img.snapshotDirty(list);
        PendingWrites pending = new PendingWrites();
        for (int i = 0; i < n; i++) {
            store.writePage(list[i], img.snapshot(list[i]), img.writeLength(list[i]), pending);
        }
        if (!pending.awaitZero(30_000_000_000L)) {
            throw new IOException("writing the new bitmap failed");
        }
        store.flush();
    }

    /** {@link #load(BitmapStore, byte[], long, boolean, BitmapEngineOptions)} with default options. */
    public static WriteIntentBitmap load(BitmapStore store, byte[] expectedUuid, long arrayEvents, boolean unclean)
            throws IOException {
        return load(store, expectedUuid, arrayEvents, unclean, BitmapEngineOptions.defaults());
    }

    /**
     * Reads and validates the bitmap in {@code store} and starts the engine (flusher, daemon).
     *
     * @param expectedUuid the array's uuid (a mismatch is an {@link io.bitmirror.bitmap.format.MdFormatException})
     * @param arrayEvents the array superblock's events, or -1 when unknown: an older bitmap is
     *        treated as all dirty (W3)
     * @param unclean the array was not stopped cleanly: every set bit becomes NEEDED (resync)
     */
    public static WriteIntentBitmap load(BitmapStore store, byte[] expectedUuid, long arrayEvents, boolean unclean,
            BitmapEngineOptions options) throws IOException {
        ByteBuffer page0 = ByteBuffer.allocate(BitmapGeometry.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        store.readPage(0, page0);
        BitmapSuperblock head = new BitmapSuperblock().wrap(page0, 0);
        BitmapValidator.validate(head, expectedUuid, store.sizeBytes());
        WriteIntentBitmap bm = new WriteIntentBitmap(store, page0, options);
        try {
            bm.readFrom(arrayEvents, unclean);
        } catch (IOException | RuntimeException e) {
            bm.counters.close();
            throw e;
        }
        bm.start();
        bm.finishLoad();
        return bm;
    }

    private void readFrom(long arrayEvents, boolean unclean) throws IOException {
        ByteBuffer live = pages.live();
        long image = BitmapGeometry.totalBytes(chunks);
        for (int p = 0; p < pages.pages(); p++) {
            int len = (int) Math.min(BitmapGeometry.PAGE_SIZE, image - (long) p * BitmapGeometry.PAGE_SIZE);
            ByteBuffer dst = live.duplicate();
            dst.position(p * BitmapGeometry.PAGE_SIZE).limit(p * BitmapGeometry.PAGE_SIZE + len);
            store.readPage(p, dst);
        }
        if (sb.isStale()) {
            loadReason = "bitmap is marked stale (out of date): every chunk is dirty, full resync";
        } else if (arrayEvents >= 0 && Long.compareUnsigned(sb.events(), arrayEvents) < 0) {
            loadReason = "bitmap events " + sb.events() + " are older than the array's " + arrayEvents
                    + ": every chunk is dirty, full resync";
        }
        if (loadReason != null) {
            // Keep (or set) the stale flag until every page with all bits set is durable:
            // clearing it in the same write could leave the flag cleared on disk while a page
            // with missing bits was not written yet.
            sb.state(sb.state() | BitmapSuperblockLayout.STATE_STALE);
            BitmapBits.fill(live, PageImages.BITS_BASE, chunks, true);
            if (!readOnly) {
                // Read-only: all dirty in memory only; the stale flag on disk says the same to
                // the next read-write assembly.
                pages.markAllDirty();
            }
        }
        boolean needed = unclean || loadReason != null;
        for (long c = 0; c < chunks; c++) {
            if (pages.testBit(c)) {
                counters.init(c, needed ? 2 | NEEDED : 2);
            }
        }
    }

    private void start() {
        flusher.start();
        if (daemonThread) {
            daemon.start();
        }
    }

    private void finishLoad() {
        if (loadReason == null || readOnly) {
            return;
        }
        if (flushNow()) {
            synchronized (lock) {
                sb.state(sb.state() & ~BitmapSuperblockLayout.STATE_STALE);
                pages.markDirty(0);
            }
            flushNow();
        }
    }

    /** Why the bitmap was loaded as all dirty (W3), or null when it was trusted. */
    public String loadReason() {
        return loadReason;
    }

    // ------------------------------------------------------------------ write path

    /**
     * Counts a write to chunks {@code [firstChunk, lastChunk]}; returns when their bits are durable
     * in every bitmap copy, so the data write may be issued (W1). Parks, allocates nothing.
     */
    public void startWrite(long firstChunk, long lastChunk) {
        if (readOnly) {
            throw readOnlyRefused("startWrite");
        }
        checkRange(firstChunk, lastChunk);
        long wait = 0;
        for (long c = firstChunk; c <= lastChunk; c++) {
            long e = startChunk(c);
            if (e > wait) {
                wait = e;
            }
        }
        ChangeBitmap[] t = trackers;
        if (t.length != 0) {
            // After the counters were raised (startChunk): clearChanges clears the bits first
            // and then looks for raised counters, so either it sees ours or we see its clear.
            long e = track(t, firstChunk, lastChunk);
            if (e > wait) {
                wait = e;
            }
        }
        if (writeError) {
            // Write-error state: the pages whose write failed, and the stale flag, are dirty
            // until a commit retries them. Wait for that commit, so that no data write goes out
            // while the store takes writes but neither its bit nor the stale flag reached it
            // (W1 as far as the store lets us; W3 then forces a full resync).
            long e = retryEpoch();
            if (e > wait) {
                wait = e;
            }
        }
        if (wait > flusher.durableEpoch()) {
            flusher.request(wait);
            waiters.await(flusher, wait);
        }
    }

    /**
     * The epoch that retries everything dirtied so far: the open one when pages are dirty, else
     * the one before it, which a commit may be writing right now (a daemon retry that took the
     * dirty pages just before us). Write-error state only.
     */
    private long retryEpoch() {
        synchronized (lock) {
            long open = flusher.openEpoch();
            return pages.dirtyCount() > 0 ? open : open - 1;
        }
    }

    /** The epoch that must be durable before the range's tracking bits are on disk. */
    private long track(ChangeBitmap[] t, long first, long last) {
        long wait = 0;
        for (long c = first; c <= last; c++) {
            boolean all = true;
            for (ChangeBitmap b : t) {
                all &= b.test(c);
            }
            // Read after the bit test: whoever set the bit published its epoch before it.
            long e = all ? groupEpoch.get((int) (c >>> groupShift)) : trackClean(c);
            if (e > wait) {
                wait = e;
            }
        }
        return wait;
    }

    /** Slow path: sets chunk {@code c}'s tracking bits in the open epoch. */
    private long trackClean(long c) {
        int g = (int) (c >>> groupShift);
        synchronized (lock) {
            long e = flusher.openEpoch();
            // Ordering (W1 for tracking): the epoch is published before the bits, and the
            // open epoch is never older than what the entry held.
            groupEpoch.set(g, e);
            for (ChangeBitmap b : trackers) {
                if (!b.test(c)) {
                    b.set(c);
                }
            }
            return mutant == Mutant.CBT ? 0 : e;
        }
    }

    // ------------------------------------------------------------------ changed-block tracking

    /**
     * Starts tracking into {@code b} (created empty by the caller). Chunks with a write in flight
     * are marked at once: such a write may land after this returns.
     */
    public void attachTracker(ChangeBitmap b) {
        if (readOnly) {
            throw readOnlyRefused("attachTracker");
        }
        if (b.chunks() != chunks || b.chunkBytes() != chunkBytes) {
            throw new IllegalArgumentException("changed-block bitmap " + b.name() + " does not match the bitmap");
        }
        synchronized (lock) {
            for (ChangeBitmap o : trackers) {
                if (o.name().equals(b.name())) {
                    throw new IllegalArgumentException("changed-block bitmap " + b.name() + " is already tracking");
                }
            }
            ChangeBitmap[] n = java.util.Arrays.copyOf(trackers, trackers.length + 1);
            n[n.length - 1] = b;
            markInFlight(b);
            trackers = n;
        }
        flushNow();
    }

    /** The changed-block bitmap called {@code name}, or null. */
    public ChangeBitmap tracker(String name) {
        for (ChangeBitmap b : trackers) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        return null;
    }

    /** Every changed-block bitmap, in the order they were attached. */
    public java.util.List<ChangeBitmap> trackers() {
        return java.util.List.of(trackers);
    }

    /**
     * Clears {@code name} (after a backup) and waits until the cleared bits are durable. Chunks
     * with a write in flight stay marked: that write may land after the backup read them.
     */
    public boolean clearChanges(String name) {
        ChangeBitmap b = tracker(name);
        if (b == null) {
            throw new IllegalArgumentException("no changed-block bitmap " + name);
        }
        synchronized (lock) {
            // Bits first, counters after: see startWrite.
            b.clearAll();
            // In-flight writers already passed their wait: their bits and the cleared image go
            // to disk in one snapshot, so the disk never shows their chunks clear.
            markInFlight(b);
        }
        return flushNow() && !b.inconsistent();
    }

    private void markInFlight(ChangeBitmap b) {
        for (long c = 0; c < chunks; c++) {
            if ((counters.get(c) & COUNTER_MAX) >= 3) {
                b.set(c);
            }
        }
    }

    /** Stops tracking into {@code name}; returns it once no commit writes it any more (the caller deletes the file). */
    public ChangeBitmap detachTracker(String name) {
        ChangeBitmap found = null;
        synchronized (lock) {
            java.util.List<ChangeBitmap> rest = new java.util.ArrayList<>();
            for (ChangeBitmap b : trackers) {
                if (b.name().equals(name)) {
                    found = b;
                } else {
                    rest.add(b);
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("no changed-block bitmap " + name);
            }
            trackers = rest.toArray(NO_TRACKERS);
        }
        // A commit in progress may still hold its snapshot; the next one no longer does.
        flushNow();
        return found;
    }

    /** Flusher, engine lock held. */
    ChangeBitmap[] trackersForCommit() {
        return trackers;
    }

    /** Returns the epoch that must be durable before writing chunk {@code c}. */
    private long startChunk(long c) {
        for (;;) {
            int v = counters.get(c);
            int n = v & COUNTER_MAX;
            if (n >= 2) {
                if (n == COUNTER_MAX) {
                    // Saturated: wait for endWrite to bring it down; never wrap.
                    LockSupport.parkNanos(this, SATURATED_WAIT_NANOS);
                    continue;
                }
                if (counters.compareAndSet(c, v, v + 1)) {
                    // Read after our CAS: whoever set this bit published its epoch before the
                    // CAS that made the count >= 2, so we wait for it too if it is not durable yet.
                    return groupEpoch.get((int) (c >>> groupShift));
                }
            } else {
                long e = startClean(c);
                if (e >= 0) {
                    return e;
                }
            }
        }
    }

    /** Slow path: the chunk was clean (0) or pending clear (1). Returns -1 to retry. */
    private long startClean(long c) {
        int g = (int) (c >>> groupShift);
        synchronized (lock) {
            for (;;) {
                int v = counters.get(c);
                int n = v & COUNTER_MAX;
                if (n >= 2) {
                    if (n == COUNTER_MAX) {
                        return -1;
                    }
                    if (counters.compareAndSet(c, v, v + 1)) {
                        return groupEpoch.get(g);
                    }
                } else if (n == 1) {
                    // Pending clear: the bit is still set (clearing is 1 -> 0 under this lock
                    // together with the live bit); taking the count to 3 stops the clear.
                    if (counters.compareAndSet(c, v, (v & ~COUNTER_MAX) | 3)) {
                        return groupEpoch.get(g);
                    }
                } else {
                    long e = flusher.openEpoch();
                    // Ordering (W1): publish the epoch before the counter says "bit set", so a
                    // lock-free writer that sees count >= 2 also sees it must wait for epoch e.
                    groupEpoch.set(g, e);
                    pages.setBit(c);
                    pages.markDirty(PageImages.pageOf(c));
                    if (counters.compareAndSet(c, v, (v & ~COUNTER_MAX) | 3)) {
                        return e;
                    }
                }
            }
        }
    }

    /**
     * The write to {@code [firstChunk, lastChunk]} completed on every member (write-behind
     * included). A failed write, or any write while degraded, leaves the chunks NEEDED: they stay
     * dirty until a resync (W4).
     */
    public void endWrite(long firstChunk, long lastChunk, boolean success) {
        checkRange(firstChunk, lastChunk);
        for (long c = firstChunk; c <= lastChunk; c++) {
            for (;;) {
                int v = counters.get(c);
                if ((v & COUNTER_MAX) < 3) {
                    throw notStarted(c);
                }
                int next = v - 1;
                if (!success || (degraded && mutant != Mutant.W4)) {
                    next |= NEEDED;
                }
                if (counters.compareAndSet(c, v, next)) {
                    break;
                }
            }
        }
    }

    // ------------------------------------------------------------------ resync

    /**
     * Whether {@code chunk} must be resynced (NEEDED or already RESYNC). When not degraded, the
     * chunk moves from NEEDED to RESYNC until {@link #endSync}; while degraded it stays NEEDED,
     * since the missing member will still need it.
     */
    public boolean startSync(long chunk) {
        checkRange(chunk, chunk);
        for (;;) {
            int v = counters.get(chunk);
            if ((v & RESYNC) != 0) {
                return true;
            }
            if ((v & NEEDED) == 0) {
                return false;
            }
            if (degraded || counters.compareAndSet(chunk, v, (v & ~NEEDED) | RESYNC)) {
                return true;
            }
        }
    }

    /** The resync of {@code chunk} finished. */
    public void endSync(long chunk) {
        endSync(chunk, false);
    }

    /** The resync of {@code chunk} finished, or was {@code aborted}: then it is NEEDED again. */
    public void endSync(long chunk, boolean aborted) {
        checkRange(chunk, chunk);
        for (;;) {
            int v = counters.get(chunk);
            if ((v & RESYNC) == 0) {
                return;
            }
            int next = v & ~RESYNC;
            if (aborted) {
                next |= NEEDED;
            }
            if (counters.compareAndSet(chunk, v, next)) {
                return;
            }
        }
    }

    /** The resync stopped: every chunk still in RESYNC goes back to NEEDED. */
    public void closeSync() {
        for (long c = 0; c < chunks; c++) {
            if ((counters.get(c) & RESYNC) != 0) {
                endSync(c, true);
            }
        }
    }

    /**
     * Recovery of a re-added member: every chunk whose bit is set may be missing on it, whether
     * or not it was marked NEEDED in this run (bits loaded from disk are not), so all of them
     * become NEEDED.
     */
    public void markSetBitsNeeded() {
        if (readOnly) {
            throw readOnlyRefused("markSetBitsNeeded");
        }
        synchronized (lock) {
            for (long c = 0; c < chunks; c++) {
                if (pages.testBit(c)) {
                    for (;;) {
                        int v = counters.get(c);
                        int next = (v & COUNTER_MAX) == 0 ? v | NEEDED | 2 : v | NEEDED;
                        if (counters.compareAndSet(c, v, next)) {
                            break;
                        }
                    }
                }
            }
        }
    }

    /**
     * Chunk {@code c} was copied to the member being recovered, which was the last one out of
     * sync: it is no longer NEEDED (startSync keeps NEEDED while degraded). The caller holds the
     * chunk's sync barrier, so no write can fail in between; a later failed write sets NEEDED
     * again.
     */
    public void endRecovery(long c) {
        checkRange(c, c);
        for (;;) {
            int v = counters.get(c);
            int next = v & ~(NEEDED | RESYNC);
            if (v == next || counters.compareAndSet(c, v, next)) {
                return;
            }
        }
    }

    /**
     * Writes every page to every copy and waits: a copy that was just added (a re-added member's
     * stale bitmap area) becomes current.
     *
     * @return false when the bitmap is in write-error state
     */
    public boolean rewriteAllPages() {
        if (readOnly) {
            throw readOnlyRefused("rewriteAllPages");
        }
        synchronized (lock) {
            pages.markAllDirty();
        }
        return flushNow();
    }

    // ------------------------------------------------------------------ lazy clearing (W2, W4)

    /** Call before flushing every member; pass the result to {@link #membersFlushed}. */
    public long flushTicket() {
        return ticket.incrementAndGet();
    }

    /** Every member was flushed (fdatasync) by a flush started after {@code flushTicket} returned {@code t}. */
    public void membersFlushed(long t) {
        if (t > ticket.get()) {
            throw new IllegalArgumentException("flush ticket " + t + " was never issued");
        }
        for (;;) {
            long f = flushedTicket.get();
            if (f >= t || flushedTicket.compareAndSet(f, t)) {
                return;
            }
        }
    }

    long flushedTicket() {
        return flushedTicket.get();
    }

    long currentTicket() {
        return ticket.get();
    }

    /**
     * Lets the daemon flush the members itself when idle chunks wait for a flush nobody else
     * issues (L1; md's preflush on bitmap page writes). Without one, bits are cleared only after
     * the caller's own {@link #membersFlushed} calls.
     */
    public void memberFlush(MemberFlush f) {
        daemon.memberFlush(f);
    }

    /** While degraded no bit is cleared and writes leave NEEDED marks (W4). */
    public void setDegraded(boolean d) {
        synchronized (lock) {
            // Under the lock: once this returns, no clear is in progress in the live image.
            degraded = d;
        }
    }

    public boolean degraded() {
        return degraded;
    }

    /** One daemon pass (what the daemon thread does every daemon_sleep). */
    public void daemonTick() {
        if (readOnly) {
            throw readOnlyRefused("daemonTick");
        }
        daemon.tick();
    }

    /** Clears pending chunk {@code c} (count 1, no flags) if still eligible. Daemon only. */
    boolean clearPending(long c, boolean ignoreDegraded) {
        synchronized (lock) {
            if (writeError || (degraded && !ignoreDegraded)) {
                return false;
            }
            // 1 -> 0 under the lock together with the live bit: a writer that got the count to 3
            // first keeps its bit; one that comes later sees 0 and sets the bit again under this lock.
            if (!counters.compareAndSet(c, 1, 0)) {
                return false;
            }
            pages.clearBit(c);
            pages.markDirty(PageImages.pageOf(c));
            return true;
        }
    }

    /** Bits were cleared: record events_cleared and write the pages (no wait). */
    void afterClear() {
        long e;
        synchronized (lock) {
            sb.eventsCleared(sb.events());
            pages.markDirty(0);
            e = flusher.openEpoch();
        }
        flusher.request(e);
    }

    void retryDirtyPages() {
        long e;
        synchronized (lock) {
            if (pages.dirtyCount() == 0) {
                return;
            }
            e = flusher.openEpoch();
        }
        flusher.request(e);
    }

    /** Flusher: the epoch's writes failed. Called without the lock. */
    void onWriteError(int[] failedPages, int n) {
        synchronized (lock) {
            writeError = true;
            // md never writes BITMAP_WRITE_ERROR; it marks the bitmap stale so the next
            // assembly does a full resync (W3).
            sb.state(sb.state() | BitmapSuperblockLayout.STATE_STALE);
            pages.markDirty(0);
            // No mark is lost: the pages that failed stay dirty and are written again.
            for (int i = 0; i < n; i++) {
                pages.markDirty(failedPages[i]);
            }
        }
    }

    public boolean writeError() {
        return writeError;
    }

    // ------------------------------------------------------------------ events (W3)

    public long events() {
        synchronized (lock) {
            return sb.events();
        }
    }

    public long eventsCleared() {
        synchronized (lock) {
            return sb.eventsCleared();
        }
    }

    /** Sets the bitmap's events in the live superblock; {@link #writeSuperblockNow()} makes it durable. */
    public void setEvents(long events) {
        if (readOnly) {
            throw readOnlyRefused("setEvents");
        }
        synchronized (lock) {
            sb.events(events);
            pages.markDirty(0);
        }
    }

    /**
     * Writes the superblock page (and any other dirty page) and waits until durable. The array
     * calls this after {@link #setEvents} and before writing its own superblock (W3).
     *
     * @return false when the bitmap is in write-error state
     */
    public boolean writeSuperblockNow() {
        if (readOnly) {
            throw readOnlyRefused("writeSuperblockNow");
        }
        synchronized (lock) {
            pages.markDirty(0);
        }
        return flushNow();
    }

    /** Makes everything changed so far durable; false when the bitmap is in write-error state. */
    public boolean flushNow() {
        if (closed) {
            return !writeError;
        }
        flusher.flushAndWait();
        return !writeError;
    }

    // ------------------------------------------------------------------ statistics

    public long chunks() {
        return chunks;
    }

    public int chunkBytes() {
        return chunkBytes;
    }

    /**
     * md's write_behind from the bitmap superblock: how many writes write-mostly members may
     * still be doing after the others acknowledged (0: none go behind).
     */
    public int writeBehind() {
        return sb.writeBehind();
    }

    public int pages() {
        return pages.pages();
    }

    /**
     * Bits set in the live image (what `detail` shows as dirty): memory, not the disk, which may
     * still hold bits cleared here; L1 is checked on the disk (examine-bitmap, durable images).
     */
    public long dirtyChunks() {
        synchronized (lock) {
            return BitmapBits.countDirty(pages.live(), PageImages.BITS_BASE, chunks);
        }
    }

    /** Page writes issued (each goes to every copy). */
    public long pageWrites() {
        return flusher.pageWrites();
    }

    /** Epochs committed by the flusher. */
    /** Commits that failed; package-private for the model test, which exempts writers they released. */
    long failedCommits() {
        return flusher.failedCommits();
    }

    public long flushEpochs() {
        return flusher.epochs();
    }

    public long daemonPasses() {
        return daemon.passes();
    }

    public long clearedChunks() {
        return daemon.cleared();
    }

    /** Member flushes the daemon issued itself through its {@link MemberFlush} (L1). */
    public long daemonMemberFlushes() {
        return daemon.memberFlushes();
    }

    /** md's 16-bit counter of {@code chunk} (count, NEEDED, RESYNC); for tests and `detail`. */
    public int counter(long chunk) {
        return counters.get(chunk);
    }

    /** The flusher thread (for allocation measurements). */
    public Thread flusherThread() {
        return flusher.thread();
    }

    /** The daemon thread, running only when the options asked for it. */
    public Thread daemonThread() {
        return daemon.thread();
    }

    public Mutant mutant() {
        return mutant;
    }

    /** Stops the daemon, writes whatever is dirty, stops the flusher. Does not close the store. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (daemonThread) {
            daemon.stop();
        }
        flusher.stop();
        closed = true;
        for (ChangeBitmap b : trackers) {
            try {
                b.closeFile();
            } catch (IOException ignored) {
                // every commit was synced: closing loses nothing
            }
        }
        counters.close();
    }

    private void checkRange(long first, long last) {
        if (first < 0 || last < first || last >= chunks) {
            throw outOfRange(first, last);
        }
    }

    // Messages are built out of line: a string concatenation call site inside a hot method is
    // linked lazily, and linking it (e.g. after a deoptimization) allocates on the writer thread.
    private IndexOutOfBoundsException outOfRange(long first, long last) {
        return new IndexOutOfBoundsException("chunks [" + first + ", " + last + "] outside [0, " + chunks + ")");
    }

    private static IllegalStateException readOnlyRefused(String call) {
        return new IllegalStateException(call + " on a read-only bitmap: nothing may be written");
    }

    /** True for the bitmap of a read-only array ({@link BitmapEngineOptions#readOnly}). */
    public boolean readOnly() {
        return readOnly;
    }

    private static IllegalStateException notStarted(long chunk) {
        return new IllegalStateException("endWrite without startWrite on chunk " + chunk);
    }
}
