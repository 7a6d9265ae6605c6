package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.ChangeBitmap;
import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.internal.ArrayInternals;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberFanout;
import io.bitmirror.raid.member.DataArea;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.remote.RemoteMembers;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.MdTime;
import io.bitmirror.raid.superblock.Superblock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running RAID-1 array: the embedding API (read, write, flush, trim, manage, status, stop).
 * This class only wires the parts together and delegates; each part has one job:
 * <ul>
 * <li>{@link ArrayAssembler}: assemble (validate, open, load the bitmap);
 * <li>{@link MirroredIo}: reads, mirrored writes and trims in write-intent order (W1), flushes,
 *     partial blocks (read-modify-write under block locks and the sync barrier);
 * <li>{@link Members} / {@link MemberSet}: member state as one immutable snapshot;
 * <li>{@link MemberManager}: failing, removing, adding and re-adding members;
 * <li>{@link ArrayMetadata}: events, superblock writes (W3), safe mode;
 * <li>{@link Housekeeper}: background upkeep; {@link StatusReport}: {@code detail};
 * <li>{@link Resync}: the sync pass, which sees the array as a {@link SyncTarget}.
 * </ul>
 *
 * <p>Requests may start and end anywhere: partial blocks are merged in the array. Members are
 * written in turn by the calling thread by default, or in parallel by one I/O thread per member
 * ({@link AssembleOptions#parallelMembers()}).
 *
 * <p>Thread safety (the contract; docs/API.md has it in full):
 * <ul>
 * <li>{@link #read}, {@link #write}, {@link #trim} and {@link #flush} (both forms) may be called
 *     from any number of threads at once; after a write returns, every later read sees it. Two
 *     writes to one block in flight at once are not ordered (as with md, the members may keep
 *     different ones): a program must not overlap them.
 * <li>An {@link IoSlot} belongs to one thread between {@link #acquireSlot()} and
 *     {@link #releaseSlot}: the slot's buffer must not be touched by another thread meanwhile.
 *     {@code acquireSlot} blocks while every slot is taken.
 * <li>The management calls {@link #fail}, {@link #remove}, {@link #add} and {@link #reAdd} may
 *     come from any thread, also during I/O; they are carried out one at a time, in some order.
 * <li>{@link #status()}, {@link #sizeBytes()}, {@link #uuid()} and {@link #awaitSyncIdle} may be
 *     called at any time, from any thread, also after stop; a status is an immutable snapshot.
 * <li>{@link #stop()} (or {@link #close()}) ends the array; a second call does nothing. I/O that
 *     races with or follows stop fails with {@link ArrayException}; I/O that completed before
 *     stop began is on the members.
 * </ul>
 *
 * <p>Errors: every public method throws only {@link ArrayException}, for a refusal or an I/O
 * that failed on every member. A member failing alone is not an error for the caller: md's
 * way, the member is marked faulty and the array goes on degraded ({@link #status()} tells).
 */
public final class RaidArray implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaidArray.class);

    static {
        // The test hooks (abandon, ioThreads, mutants) are reached only through this SPI, not API.
        ArrayInternals.register(new InternalAccess());
    }

    /** Barrier unit without a bitmap: 1 MiB windows. */
    static final long NO_BITMAP_UNIT = ArrayGeometry.NO_BITMAP_UNIT;

    /**
     * Members' I/O unit: 4 KiB. O_DIRECT from Java needs the file system's block size for files
     * and at least the logical sector size for devices; 4 KiB covers both. Requests need not be
     * aligned to it: the array merges partial blocks.
     */
    public static final int BLOCK_SIZE = MirroredIo.BLOCK;

    private final ArrayGeometry geometry;
    private final ChangeTracking changes;
    private final AssembleOptions options;
    private final Members members;
    /** The bitmap now (none, internal, file): grow swaps it; every part reads it there. */
    private final BitmapHolder bitmaps;
    private final MemberFanout fanout;
    private final SyncBarrier barrier = new SyncBarrier();
    private final Resync resync;
    private final ArrayMetadata metadata;
    private final MemberManager manager;
    private final MirroredIo io;
    private final Housekeeper housekeeper;
    private final StatusReport report;
    /** Remote members' links: reconnected and re-added by the array itself unless {@code --no-reconnect}. */
    private final RemoteLinks links;
    private final ArrayEvents events;
    private volatile boolean running = true;
    /**
     * Read-only and not stopped cleanly: the resync a read-write assembly would run is held
     * back (md's resync=PENDING); reads then come from the first in-sync member only, as during
     * a resync, since the members may differ in the chunks that were being written.
     */
    private volatile boolean resyncPending;

    RaidArray(ArrayGeometry g, AssembleOptions opts, long events, Members members, BitmapHolder.Active initial) {
        this.geometry = g;
        this.options = opts;
        this.members = members;
        this.bitmaps = new BitmapHolder(initial);
        this.events = new ArrayEvents(g.name(), g.uuid(), g.shortName(), () -> members.current().degraded());
        if (opts.listener() != null) {
            // Before anything runs: the assembly's own events (NewArray, the first resync) reach it.
            this.events.subscribe(opts.listener(), ArrayEvents.DEFAULT_CAPACITY, false);
        }
        this.changes = new ChangeTracking(g.name(), opts.changesDir(), bitmaps::bitmap, g.uuid().clone());
        MemberSet set = members.current();
        MemberDevice[] data = new MemberDevice[g.raidDisks()];
        for (int s = 0; s < data.length; s++) {
            if (set.device(s) != null) {
                data[s] = new DataArea(set.device(s), set.superblock(s).dataOffsetBytes, g.sizeBytes());
            }
        }
        this.fanout = new MemberFanout(data, opts.slots(), opts.maxIoBytes(), "md-" + g.shortName(),
                opts.memberIo(), opts.memberTimeoutMillis());
        // The pass's view reads the parts below through this facade's fields; it runs only
        // after start(), when they are all set.
        this.resync = new Resync(new ArraySyncTarget());
        this.metadata = new ArrayMetadata(g.name(), events, members, bitmaps, resync::checkpointSectors,
                opts.readOnly());
        this.manager = new MemberManager(g, opts, members, metadata, fanout, bitmaps, resync);
        this.io = new MirroredIo(g.name(), g.sizeBytes(), members, metadata, barrier, bitmaps, fanout,
                manager, () -> resync.active() || resync.pending() || resyncPending, opts.readOnly());
        WriteIntentBitmap wib = bitmaps.bitmap();
        if (wib != null && wib.writeBehind() > 0 && !opts.readOnly()) {
            // md's write-behind (the bitmap's write_behind): only members with a port of their
            // own go behind; a local write-mostly member is written with the others.
            io.writeBehind(wib.writeBehind(), opts.mutant() == Mutant.BEHIND);
        }
        this.housekeeper = new Housekeeper(g, opts.safeModeMillis(), members, metadata, manager, resync, io);
        this.links = new RemoteLinks(g.name(), members, this, opts.reconnect() && !opts.readOnly());
        this.report = new StatusReport(g, members, metadata, resync, bitmaps, opts.readOnly(), () -> resyncPending,
                io::counters, fanout.mode().word(), opts.cache().word(), links::links, io::writesBehind);
        members.listen(now -> {
            this.events.membersChanged(now);
            WriteIntentBitmap bitmap = bitmaps.bitmap();
            if (bitmap != null) {
                // W4: while any member is missing or failed, no bit is cleared.
                bitmap.setDegraded(now.degraded());
            }
            // A resync or recovery notices at its next unit (the masks changed); the
            // housekeeper writes an unrecorded failure to the superblocks now.
            housekeeper.wake();
        });
    }

    /**
     * Assembles and starts an array: validates every member first (nothing is written unless
     * the whole array validated, B1), opens the members exclusively, loads the bitmap (W3),
     * and starts resync when the array was not stopped cleanly.
     */
    public static RaidArray assemble(AssembleOptions opts) throws ArrayException {
        return ArrayAssembler.assemble(opts);
    }

    void start(AssemblyPlan plan, boolean unclean) {
        String name = geometry.name();
        MemberSet assembled = members.current();
        for (int s = 0; s < geometry.raidDisks(); s++) {
            if (assembled.path(s) != null) {
                watchRemote(assembled.path(s));
            }
        }
        boolean leftOut = plan.degradedReason() != null;
        for (AssemblyPlan.Found behind : plan.catchUp()) {
            if (options.readOnly()) {
                // Nothing is written read-only, so it cannot catch up: reads come from the others.
                LOG.warn("{}: {} is one event behind; left out while read-only (it catches up at the next read-write "
                        + "assembly)", name, behind.path());
                leftOut = true;
                continue;
            }
            try {
                // Its recovery is requested here and starts with the resync, below.
                manager.catchUp(behind);
                watchRemote(behind.path());
            } catch (ArrayException e) {
                LOG.error("{}: {} is one event behind but could not join: {}; the array runs without it", name,
                        behind.path(), e.getMessage());
                leftOut = true;
            }
        }
        // Before the sync thread can start: NewArray comes before the first RebuildStarted. A
        // member catching up is not a degraded start (md takes it in sync at once).
        events.emit(ArrayEvent.NEW_ARRAY);
        if (leftOut) {
            events.emit(ArrayEvent.DEGRADED_ARRAY);
        }
        WriteIntentBitmap bitmap = bitmaps.bitmap();
        if (plan.degradedReason() != null) {
            LOG.warn("{}: starting degraded: {}", name, plan.degradedReason());
        }
        if (bitmap != null) {
            // L1: the daemon flushes the members itself when idle chunks wait for a flush that no
            // client sends (md's preflush on bitmap page writes).
            bitmap.memberFlush(this::flushForBitmapDaemon);
        }
        var f = plan.freshest().superblock();
        if (options.readOnly()) {
            // Nothing is written, so no resync: the array stays as it is, and says so.
            resyncPending = unclean;
            if (unclean) {
                LOG.warn("{}: assembled read-only; not stopped cleanly: resync=PENDING (it runs at the next "
                        + "read-write assembly), reads come from one member", name);
            } else {
                LOG.info("{}: assembled read-only: nothing is written to the members", name);
            }
            housekeeper.start();
            return;
        }
        if (unclean) {
            // Without a bitmap the resync starts where the superblock says it stopped.
            long from = bitmap == null && f.resyncOffset() != 0 ? f.resyncOffset() * 512 : 0;
            resync.request(Resync.Kind.RESYNC, -1, from, false);
            if (f.events() == 0) {
                // Events 0: no assembly ever wrote these superblocks, so the dirty state is the
                // one create left (members not known to match), not a crash. md calls it resync too.
                LOG.info("{}: initial resync of a new array (created without --assume-clean)", name);
            } else {
                LOG.info("{}: not stopped cleanly: {}", name, bitmap != null ? "resyncing dirty chunks"
                        : "resyncing everything from " + from / 512);
            }
        }
        housekeeper.start();
        if (options.autoResync()) {
            resync.startIfRequested();
        }
    }

    // ================================================================= I/O

    /** Usable bytes. */
    public long sizeBytes() {
        return geometry.sizeBytes();
    }

    /** Largest span of whole blocks a slot request may touch. */
    public int maxIoBytes() {
        return io.maxIoBytes();
    }

    /** Takes a request slot (its buffer is where write data goes and read data arrives). */
    public IoSlot acquireSlot() {
        return io.acquireSlot();
    }

    public void releaseSlot(IoSlot s) {
        io.releaseSlot(s);
    }

    /**
     * Writes {@code length} bytes at {@code offset} (any alignment) from the slot's buffer at
     * {@code offset % 4096} (at 0 when aligned; the blocks it touches must fit the slot):
     * returns once the data is on every active member (and durable when {@code fua}). Allocates
     * nothing.
     *
     * @throws ArrayException when no member took the write (nothing is acknowledged then), or the
     *     array is {@link #readOnly()}
     */
    public void write(IoSlot s, long offset, int length, boolean fua) throws ArrayException {
        io.write(s, offset, length, fua);
    }

    /**
     * Submits an aligned read of {@code length} bytes at {@code offset} into the slot from 0 and
     * returns; {@code done} runs when the data is there (a read error is retried from another
     * member first, as {@link #read(IoSlot, long, int)} does). Allocates nothing.
     *
     * @return false when this read is not served asynchronously: nothing was done
     * @throws ArrayException when the read was refused before anything was submitted
     */
    public boolean readAsync(IoSlot s, long offset, int length, RequestDone done) throws ArrayException {
        return io.readAsync(s, offset, length, done);
    }

    /** True when {@link #writeAsync} takes aligned writes: the members complete asynchronously. */
    public boolean asynchronousWrites() {
        return fanout.asynchronous();
    }

    /**
     * Submits an aligned write of the slot's {@code [0, length)} at {@code offset} and returns
     * once its chunks' bits are durable and the members have it (W1: nothing is submitted
     * before); {@code done} runs when every member answered. Allocates nothing.
     *
     * @return false when this write is not served asynchronously (unaligned, empty, or the
     *     members are written in turn): nothing was done, the caller uses {@link #write(IoSlot, long, int, boolean)}
     * @throws ArrayException when the write was refused before anything was submitted
     */
    public boolean writeAsync(IoSlot s, long offset, int length, boolean fua, RequestDone done) throws ArrayException {
        return io.writeAsync(s, offset, length, fua, done);
    }

    /**
     * Reads {@code length} bytes at {@code offset} (any alignment): the blocks it touches go to
     * the slot's buffer from 0, so the bytes asked for sit at {@code offset % 4096}. From one
     * in-sync member; on a read error from another, and the bad range is rewritten on the member
     * that failed.
     */
    public void read(IoSlot s, long offset, int length) throws ArrayException {
        io.read(s, offset, length);
    }

    /** Writes {@code src}'s remaining bytes at {@code offset}, any alignment and length. */
    public void write(long offset, ByteBuffer src, boolean fua) throws ArrayException {
        io.write(offset, src, fua);
    }

    /** Reads into {@code dst}'s remaining bytes from {@code offset}, any alignment and length. */
    public void read(long offset, ByteBuffer dst) throws ArrayException {
        io.read(offset, dst);
    }

    /**
     * Flushes every member: when this returns, every write completed before the call is
     * durable. Also tells the bitmap (lazy clearing may then clear idle chunks, W2). On a
     * {@link #readOnly()} array it does nothing (nothing was written).
     */
    public void flush() throws ArrayException {
        io.flush();
    }

    /** {@link #flush()} with a slot the caller holds (allocation-free). */
    public void flush(IoSlot s) throws ArrayException {
        io.flush(s);
    }

    /**
     * Discards whole blocks {@code [offset, offset + length)}: they read back as zeroes on every
     * member. Refused ({@link ArrayException}) on a {@link #readOnly()} array.
     */
    public void trim(long offset, long length) throws ArrayException {
        io.trim(offset, length);
    }

    /**
     * {@link #trim(long, long)} with a slot the caller holds; with {@code fua} the zeroes are
     * durable on return. Chunks are marked in the bitmap like any write.
     */
    public void trim(IoSlot s, long offset, long length, boolean fua) throws ArrayException {
        io.trim(s, offset, length, fua);
    }

    // ================================================================= manage

    /** {@code manage --fail}: marks the member faulty as if it had failed (a remote one is then left alone). */
    public void fail(Path device) throws ArrayException {
        manager.fail(device);
        links.leaveAlone(device);
    }

    /** {@code manage --remove}: takes a faulty member out and closes it. */
    public void remove(Path device) throws ArrayException {
        manager.remove(device);
        links.leaveAlone(device);
    }

    /** The link watcher: a remote member whose connection broke fails as after an I/O error. */
    void failLink(Path device) throws ArrayException {
        manager.failLink(device);
    }

    /** The link watcher: a failed remote member is taken out before it is reconnected. */
    void removeLink(Path device) throws ArrayException {
        manager.remove(device);
    }

    /** The link watcher: a remote member connected again comes back (catch-up or full recovery). */
    void reAddLink(Path device) throws ArrayException {
        manager.reAdd(device);
    }

    /** Watches the remote members' links (after assembly, an add or a re-add by hand). */
    private void watchRemote(Path device) {
        if (RemoteMembers.isRemote(device)) {
            links.watch(device);
        }
    }

    /**
     * {@code manage --re-add}: a former member comes back. When its events are at least the
     * bitmap's events_cleared, only the chunks dirty in the bitmap are copied to it (W4);
     * otherwise everything is.
     */
    public void reAdd(Path device) throws ArrayException {
        manager.reAdd(device);
        watchRemote(device);
    }

    /** {@code manage --add}: a new device joins and is recovered in full. */
    public void add(Path device) throws ArrayException {
        manager.add(device, false, false);
    }

    /**
     * {@code manage --add}: a new device joins and is recovered in full. Unless {@code force},
     * a device holding a filesystem, an md superblock or another signature create refuses is
     * refused the same way, before anything is written to it.
     */
    public void add(Path device, boolean force) throws ArrayException {
        manager.add(device, force, false);
    }

    /**
     * {@link #add(Path, boolean)}, the new member write-mostly when {@code writeMostly}
     * ({@code manage --add -W}): reads avoid it, and with the bitmap's write-behind its writes
     * may go on after the others acknowledged.
     */
    public void add(Path device, boolean force, boolean writeMostly) throws ArrayException {
        manager.add(device, force, writeMostly);
        watchRemote(device);
    }

    // ================================================================= grow

    /**
     * {@code grow --bitmap} (mdadm {@code --grow --bitmap}): adds an internal bitmap or an
     * external one, or removes the bitmap, while the array runs; crash-safe at every step (W3
     * ordering, {@link BitmapGrow}).
     *
     * @return one line saying what was done
     * @throws ArrayException when refused (read-only, a sync pass runs or is pending, a bitmap is
     *     already present, none to remove, the chunk does not fit), before anything is written
     */
    public String growBitmap(BitmapChange change) throws ArrayException {
        if (options.readOnly()) {
            // md: a read-only array's superblocks are never written, so its bitmap cannot change.
            throw new ArrayException("grow refused: array " + geometry.name() + " is read-only");
        }
        return manager.exclusive(() -> {
            // Changed-block bitmaps are attached to the write-intent engine that grow would replace
            // or close. (The control server runs grow and track-changes one at a time, with the
            // other manage requests, so no tracker is attached while this grow goes on.)
            List<String> tracking = changes.all().stream().map(ChangeBitmap::name).toList();
            if (!tracking.isEmpty()) {
                throw new ArrayException("grow refused: array " + geometry.name() + " has changed-block bitmaps "
                        + String.join(", ", tracking) + "; --stop-tracking them first");
            }
            return new BitmapGrow(geometry, options, members, metadata, bitmaps, barrier,
                io, this::flushForBitmapDaemon, () -> resync.active() || resync.pending() || resyncPending)
                .apply(change);
        });
    }

    /** The bitmap the array has now: {@code none}, {@code internal} or {@code file}. */
    public String bitmapKind() {
        BitmapHolder.Active a = bitmaps.active();
        return a.bitmap() == null ? "none" : a.internal() ? "internal" : "file";
    }

    // ================================================================= what the sync pass sees

    /** Called by the resync thread when member {@code slot} caught up. */
    void recoveryFinished(int slot) {
        manager.recoveryFinished(slot);
    }

    /** Forces a superblock update now (events bump). */
    void updateSuperblocks() {
        metadata.updateSuperblocks();
    }

    /** The array's changed-block bitmaps (changed-block tracking). */
    public ChangeTracking changes() {
        return changes;
    }

    /** The bitmap engine, or null; for tests in this package. */
    WriteIntentBitmap bitmap() {
        return bitmaps.bitmap();
    }

    boolean isDegraded() {
        return members.current().degraded();
    }

    /** The member resync copies from: the lowest in-sync one. */
    int sourceMask() {
        return members.current().sourceMask();
    }

    /** The array as {@link Resync} sees it: a view, so the pass holds no reference to the facade. */
    private final class ArraySyncTarget implements SyncTarget {
        @Override public String name() { return geometry.name(); }
        @Override public long sizeBytes() { return geometry.sizeBytes(); }
        @Override public long unitBytes() { return bitmaps.unitBytes(); }
        @Override public int raidDisks() { return geometry.raidDisks(); }
        @Override public WriteIntentBitmap bitmap() { return bitmaps.bitmap(); }
        @Override public SyncBarrier barrier() { return barrier; }
        @Override public MemberFanout fanout() { return fanout; }
        @Override public AssembleOptions options() { return options; }
        @Override public int inSyncMask() { return members.current().inSyncMask; }
        @Override public int sourceMask() { return members.current().sourceMask(); }
        @Override public MemberState state(int s) { return members.current().state(s); }
        @Override public long lastWriteNanos() { return metadata.lastWriteNanos(); }
        @Override public void enterWrite(boolean foreground) {
            try {
                metadata.enterWrite(foreground);
            } catch (ArrayException e) {
                // Stopped under the pass: stop() ends the pass before it marks the array clean,
                // so this is a stop racing the pass's last unit; the pass ends on it.
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        @Override public void exitWrite(boolean foreground) { metadata.exitWrite(foreground); }
        @Override public void failMembers(int failedMask, String why) { manager.failMembers(failedMask, why); }
        /** Resync of an unclean array finished: the superblocks may say clean again. */
        @Override public void resyncFinished() { metadata.updateSuperblocks(); }
        @Override public void recoveryFinished(int slot) { manager.recoveryFinished(slot); }
        @Override public ArrayEvents events() { return events; }
    }

    // ================================================================= events

    /**
     * Subscribes to the array's events (mdadm's monitor events, docs/API.md Events) with a queue
     * of 256: see {@link #subscribe(ArrayEventListener, int)}.
     */
    public ArrayEventSubscription subscribe(ArrayEventListener listener) throws ArrayException {
        return subscribe(listener, ArrayEvents.DEFAULT_CAPACITY);
    }

    /**
     * Subscribes to the array's events from now on: {@code listener} is called on a thread of
     * the subscription's own, in order. A degraded array is announced first (DegradedArray).
     * Emitting never waits for the listener: beyond {@code capacity} queued events, events are
     * dropped and one EventsLost with their count follows. Delivery ends on
     * {@link ArrayEventSubscription#close()} or after DeviceDisappeared (the array stopped).
     *
     * @throws ArrayException when the array is stopped
     * @throws IllegalArgumentException when {@code capacity} is below 2
     */
    public ArrayEventSubscription subscribe(ArrayEventListener listener, int capacity) throws ArrayException {
        java.util.Objects.requireNonNull(listener, "listener");
        if (metadata.stopped()) {
            throw new ArrayException("array " + geometry.name() + " is stopped");
        }
        return events.subscribe(listener, capacity);
    }

    // ================================================================= allocation (NBD block status)

    /**
     * True when {@code offset} lies in a hole: unallocated on every in-sync member (lseek
     * SEEK_DATA on a file; a block device is data everywhere). Every in-sync member must agree,
     * because reads may come from any of them; a hole on all of them reads as zeroes whichever
     * one serves it. A snapshot: a write may fill the hole right after.
     */
    public boolean holeAt(long offset) throws ArrayException {
        int mask = members.current().inSyncMask;
        if (mask == 0 || offset >= sizeBytes()) {
            return false;
        }
        try {
            for (int s = 0; s < 32; s++) {
                if ((mask & (1 << s)) != 0 && fanout.device(s).seekData(offset) <= offset) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            throw new ArrayException("allocation at " + offset + ": " + e.getMessage(), e);
        }
    }

    /**
     * Where the run that contains {@code offset} (a hole or data, as {@link #holeAt} says) ends,
     * at most {@code limit}: a hole run ends at the first data of any in-sync member, a data run
     * where every in-sync member has a hole.
     */
    public long runEnd(long offset, long limit, boolean hole) throws ArrayException {
        int mask = members.current().inSyncMask;
        long end = Math.min(limit, sizeBytes());
        if (mask == 0) {
            return end;
        }
        try {
            if (hole) {
                long e = end;
                for (int s = 0; s < 32; s++) {
                    if ((mask & (1 << s)) != 0) {
                        e = Math.min(e, fanout.device(s).seekData(offset));
                    }
                }
                return Math.max(e, Math.min(offset + 1, end));
            }
            long e = offset;
            while (e < end) {
                long next = e;
                for (int s = 0; s < 32; s++) {
                    if ((mask & (1 << s)) != 0 && fanout.device(s).seekData(e) <= e) {
                        next = Math.max(next, fanout.device(s).seekHole(e));
                    }
                }
                if (next <= e) {
                    break;
                }
                e = next;
            }
            return Math.min(Math.max(e, Math.min(offset + 1, end)), end);
        } catch (IOException e) {
            throw new ArrayException("allocation at " + offset + ": " + e.getMessage(), e);
        }
    }

    // ================================================================= status and stop

    /** A snapshot for {@code detail}. */
    public ArrayStatus status() {
        return report.status();
    }

    public byte[] uuid() {
        return geometry.uuid().clone();
    }

    /**
     * Creation and update time, used size and bitmap placement from the first present member's
     * superblock, or null with no member present. Read without the superblock lock: utime is one
     * field a concurrent update may replace, and either value is a true update time.
     */
    public SuperblockFacts superblockFacts() {
        MemberSet set = members.current();
        for (int s = 0; s < geometry.raidDisks(); s++) {
            MemberSuperblock m = set.superblock(s);
            if (m != null && set.path(s) != null) {
                Superblock sb = m.sb;
                return new SuperblockFacts(MdTime.seconds(sb.ctime()), MdTime.seconds(sb.utime()), sb.size(),
                        (sb.featureMap() & FeatureMap.BITMAP_OFFSET) != 0);
            }
        }
        return null;
    }

    /** Waits until no resync or recovery is running or pending; false on timeout. */
    public boolean awaitSyncIdle(long timeoutMillis) {
        long end = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (resync.active() || resync.pending()) {
            if (System.nanoTime() > end) {
                return false;
            }
            LockSupport.parkNanos(5_000_000L);
        }
        return true;
    }

    /**
     * md's sync_action: {@code check} compares the members and counts mismatches, {@code repair}
     * also rewrites the differing blocks from the lowest in-sync member, {@code idle} stops either.
     *
     * @return what happened, one line
     * @throws ArrayException when refused: read-only (but idle), degraded, a resync or recovery runs or is pending, a
     *     check already runs, or an unknown word
     */
    public String syncAction(String action) throws ArrayException {
        if (options.readOnly() && !"idle".equals(action)) {
            // md never starts a sync thread on a read-only array; a repair would write.
            throw new ArrayException(action + " refused: array " + geometry.name() + " is read-only");
        }
        // With the manage requests and grow: a pass never starts while a grow swaps the bitmap.
        return manager.exclusive(() -> resync.requestAction(action));
    }

    /** Starts a requested resync (when assembled with autoResync off). */
    public void startResync() {
        resync.startIfRequested();
    }

    /**
     * Threads of the write path (member I/O, bitmap flusher and daemon) and the housekeeper
     * (safe mode, superblock upkeep), for allocation checks.
     */
    List<Thread> ioThreads() {
        List<Thread> t = new ArrayList<>(Arrays.asList(fanout.threads()));
        t.add(housekeeper.thread());
        WriteIntentBitmap bitmap = bitmaps.bitmap();
        BitmapHolder.Active act = bitmaps.active();
        if (act.store() != null) {
            t.addAll(Arrays.asList(act.store().threads()));
        }
        if (bitmap != null) {
            t.add(bitmap.flusherThread());
            if (bitmap.daemonThread() != null) {
                t.add(bitmap.daemonThread());
            }
        }
        return t;
    }

    /**
     * The bitmap daemon's own member flush (L1), on the daemon thread. Not once the array stops:
     * stop() runs the last passes and flushes itself, and an abandoned array writes nothing more.
     */
    private void flushForBitmapDaemon() throws IOException {
        if (running) {
            io.memberFlush();
        }
    }

    /**
     * True when assembled read-only ({@link AssembleOptions.Builder#readOnly}): writes and trims
     * throw {@link ArrayException}, nothing is written to a member.
     */
    public boolean readOnly() {
        return options.readOnly();
    }

    /** True once the array stopped (or was abandoned): I/O fails with {@link ArrayException} from then. */
    public boolean stopped() {
        return metadata.stopped();
    }

    /**
     * Stops cleanly: waits for I/O, stops resync (its progress checkpointed), flushes, and
     * writes the superblocks "clean" (bitmap events first, W3). A read-only array writes
     * nothing: it closes its members as they are (one not stopped cleanly stays so).
     */
    public void stop() throws ArrayException {
        if (metadata.stopped()) {
            return;
        }
        // First: nothing reconnects or re-adds a member while the array stops.
        links.stop();
        resync.stop();
        long end = System.nanoTime() + 30_000_000_000L;
        while (metadata.inflight() != 0 && System.nanoTime() < end) {
            LockSupport.parkNanos(1_000_000L);
        }
        running = false;
        housekeeper.stop();
        metadata.stopClean(this::finalFlush);
        closeAll();
        // Last: the members are closed and clean, the array is gone (mdadm's DeviceDisappeared).
        events.emit(ArrayEvent.DEVICE_DISAPPEARED);
    }

    /** The last flushes of a clean stop, under the superblock lock. */
    private void finalFlush() {
        WriteIntentBitmap bitmap = bitmaps.bitmap();
        try {
            io.memberFlush();
            if (bitmap != null && !members.current().degraded()) {
                // As md does on a clean stop: run the daemon's two passes now, each followed
                // by a member flush, so every idle chunk is cleared (W2 holds: the second
                // pass clears only what was idle across a flush).
                bitmap.daemonTick();
                io.memberFlush();
                bitmap.daemonTick();
            }
        } catch (IOException e) {
            LOG.warn("{}: final flush failed: {}", geometry.name(), e.getMessage());
        }
        if (bitmap != null) {
            bitmap.flushNow();
        }
    }

    /**
     * Drops the array as a crash would: threads stop, devices close, nothing more is written, not
     * even the bitmap pages that are dirty in memory (the engine's close would write and flush
     * them: its store has lost power first). For tests and the crash explorer.
     */
    void abandon() {
        links.stop();
        metadata.abandon();
        running = false;
        PowerCutStore bitmapStore = bitmaps.active().store();
        if (bitmapStore != null) {
            bitmapStore.cut();
        }
        resync.abandon();
        housekeeper.abandon();
        closeAll();
    }

    private void closeAll() {
        fanout.close();
        WriteIntentBitmap bitmap = bitmaps.bitmap();
        PowerCutStore bitmapStore = bitmaps.active().store();
        if (bitmap != null) {
            bitmap.close();
        }
        if (bitmapStore != null) {
            try {
                bitmapStore.close();
            } catch (IOException e) {
                LOG.warn("{}: closing the bitmap: {}", geometry.name(), e.getMessage());
            }
        }
        MemberSet set = members.current();
        for (int s = 0; s < geometry.raidDisks(); s++) {
            if (set.device(s) != null) {
                try {
                    set.device(s).close();
                } catch (IOException e) {
                    LOG.warn("{}: closing {}: {}", geometry.name(), set.path(s), e.getMessage());
                }
            }
        }
    }

    @Override
    public void close() throws ArrayException {
        stop();
    }
}
