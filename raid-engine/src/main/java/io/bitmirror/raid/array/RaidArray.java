package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.BitmapEngineOptions;
import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.bitmap.InternalBitmapStore;
import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberFanout;
import io.bitmirror.raid.member.DataArea;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.MdTime;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running RAID-1 array: the embedding API (read, write, flush, trim, status, stop) and the
 * machinery behind it.
 *
 * <p>Write path (DESIGN.md): range check, safe mode ("active" on disk before the first write
 * after idle), sync barrier, {@code startWrite} (returns once the chunks' bits are durable in
 * every bitmap copy, W1), the data to every member (in turn by the writing thread, or in
 * parallel by one I/O thread per member with member threads), {@code endWrite} (a failed
 * member is marked faulty and the chunk stays NEEDED, W4), reply.
 *
 * <p>Locks: {@code stateLock} guards member states, masks and roles and never waits for I/O
 * (the bitmap flusher may take it when a bitmap copy fails); {@code sbLock} serializes
 * superblock writes, which may wait for the bitmap flusher (W3: bitmap events first).
 */
public final class RaidArray implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaidArray.class);

    /** Barrier unit without a bitmap: 1 MiB windows. */
    static final long NO_BITMAP_UNIT = 1 << 20;

    private static final int MODE_CLEAN = 0;
    private static final int MODE_ACTIVE = 1;

    // ----------------------------------------------------------------- geometry (immutable)
    private final byte[] uuid;
    private final String name;
    /** Where the superblocks sit (1.0, 1.1, 1.2), as the freshest member was found. */
    private final String metadataVersion;
    private final long sizeBytes;
    private final int raidDisks;
    private final long unitBytes;
    private final AssembleOptions options;

    // ----------------------------------------------------------------- members by slot
    private final MemberDevice[] raw;
    private final ByteBuffer[] sbBlocks;
    private final Superblock[] sbs;
    private final long[] superOffsetBytes;
    private final long[] dataOffsetBytes;
    private final Path[] paths;
    private final MemberState[] states;
    private final boolean[] writeMostly;
    private final int[] roles;
    private final int maxDev;
    private final AtomicInteger writeMask = new AtomicInteger();
    private volatile int inSyncMask;
    private volatile int readMask;
    private final Object stateLock = new Object();
    private final MemberFanout fanout;
    private final WriteIntentBitmap bitmap;
    private final PowerCutStore bitmapStore;

    // ----------------------------------------------------------------- superblocks, safe mode
    private final Object sbLock = new Object();
    private long events;
    private volatile int mode = MODE_CLEAN;
    private final AtomicLong inflight = new AtomicLong();
    private volatile long lastWriteNanos;
    private volatile boolean superblockDirty;

    // ----------------------------------------------------------------- resync and recovery
    private final SyncBarrier barrier = new SyncBarrier();
    private final Resync resync;
    private final AtomicInteger readRobin = new AtomicInteger();

    // ----------------------------------------------------------------- housekeeping
    private final Thread housekeeper;
    private volatile boolean running = true;
    private volatile boolean stopped;

    private RaidArray(AssemblyPlan plan, AssembleOptions opts, MemberDevice[] devices, PowerCutStore store,
            WriteIntentBitmap bitmap, AtomicInteger copyMask) {
        MemberMetadata fresh = plan.freshest();
        Superblock f = fresh.superblock();
        this.options = opts;
        this.uuid = f.setUuid();
        this.name = f.setName();
        this.metadataVersion = fresh.version().label();
        this.sizeBytes = f.size() * 512;
        this.raidDisks = f.raidDisks();
        this.maxDev = f.maxDev();
        this.roles = new int[maxDev];
        for (int i = 0; i < maxDev; i++) {
            roles[i] = f.devRole(i);
        }
        this.events = f.events();
        this.raw = devices;
        this.sbBlocks = new ByteBuffer[raidDisks];
        this.sbs = new Superblock[raidDisks];
        this.superOffsetBytes = new long[raidDisks];
        this.dataOffsetBytes = new long[raidDisks];
        this.paths = new Path[raidDisks];
        this.states = new MemberState[raidDisks];
        this.writeMostly = new boolean[raidDisks];
        Arrays.fill(states, MemberState.MISSING);
        for (AssemblyPlan.Found found : plan.inSync()) {
            adopt(found.slot(), found.path(), found.metadata());
            states[found.slot()] = MemberState.IN_SYNC;
        }
        this.bitmap = bitmap;
        this.bitmapStore = store;
        this.unitBytes = bitmap != null ? bitmap.chunkBytes() : NO_BITMAP_UNIT;
        MemberDevice[] data = new MemberDevice[raidDisks];
        for (int s = 0; s < raidDisks; s++) {
            if (devices[s] != null) {
                data[s] = new DataArea(devices[s], dataOffsetBytes[s], sizeBytes);
            }
        }
        this.fanout = new MemberFanout(data, opts.slots(), opts.maxIoBytes(), "md-" + shortName(),
                opts.parallelMembers());
        this.copyMask = copyMask;
        recomputeMasks();
        this.resync = new Resync(new ArraySyncTarget());
        this.housekeeper = new Thread(this::housekeep, "md-" + shortName() + "-housekeeper");
        housekeeper.setDaemon(true);
    }

    /** The internal store shares the array's write mask as its copy mask. */
    private final AtomicInteger copyMask;

    private void adopt(int slot, Path path, MemberMetadata md) {
        Superblock src = md.superblock();
        ByteBuffer block = DirectIo.allocate(SuperblockLayout.BLOCK);
        block.put(0, md.superblockBlock(), 0, SuperblockLayout.BLOCK);
        sbBlocks[slot] = block;
        sbs[slot] = new Superblock().wrap(block, 0);
        superOffsetBytes[slot] = src.superOffset() * 512;
        dataOffsetBytes[slot] = src.dataOffset() * 512;
        paths[slot] = path;
        writeMostly[slot] = (src.devflags() & SuperblockLayout.DEVFLAG_WRITE_MOSTLY) != 0;
    }

    private String shortName() {
        int colon = name.indexOf(':');
        return colon >= 0 ? name.substring(colon + 1) : name;
    }

    // ================================================================= assemble

    /**
     * Assembles and starts an array: validates every member first (nothing is written unless
     * the whole array validated, B1), opens the members exclusively, loads the bitmap (W3),
     * and starts resync when the array was not stopped cleanly.
     */
    public static RaidArray assemble(AssembleOptions opts) throws IOException {
        AssemblyPlan plan = AssemblyPlan.of(opts.devices(), opts.run());
        Superblock f = plan.freshest().superblock();
        int raidDisks = f.raidDisks();
        boolean internal = f.hasFeature(FeatureMap.BITMAP_OFFSET);
        if (internal && opts.externalBitmap() != null) {
            throw new ArrayException("the array has an internal bitmap; an external bitmap file cannot be used with it");
        }
        MemberDevice[] devices = new MemberDevice[raidDisks];
        List<MemberDevice> opened = new ArrayList<>();
        BitmapStore store = null;
        WriteIntentBitmap bitmap = null;
        AtomicInteger copyMask = new AtomicInteger();
        RaidArray[] self = new RaidArray[1];
        try {
            for (AssemblyPlan.Found found : plan.inSync()) {
                MemberDevice d = opts.opener().open(found.path());
                opened.add(d);
                devices[found.slot()] = d;
                copyMask.updateAndGet(m -> m | (1 << found.slot()));
            }
            boolean unclean = !f.isClean();
            if (internal) {
                AssemblyPlan.Found first = plan.inSync().get(0);
                Superblock sb = first.sb();
                long start = (sb.superOffset() + sb.bitmapOffset()) * 512;
                long room = io.bitmirror.raid.superblock.SuperblockValidator.bitmapRoomBytes(sb);
                store = new InternalBitmapStore(devices, start, room, copyMask,
                        (m, e) -> self[0] != null && self[0].bitmapCopyFailed(m, e));
            } else if (opts.externalBitmap() != null) {
                store = opts.externalBitmap().open(f.setUuid(), f.size());
            }
            PowerCutStore cuttable = store == null ? null : new PowerCutStore(store);
            if (store != null) {
                BitmapEngineOptions eo = BitmapEngineOptions.defaults().startDaemon(true).mutant(opts.mutant());
                if (opts.daemonSleepMillis() >= 0) {
                    eo = eo.daemonSleepMillis(opts.daemonSleepMillis());
                }
                try {
                    bitmap = WriteIntentBitmap.load(cuttable, f.setUuid(), f.events(), unclean, eo);
                } catch (MdFormatException e) {
                    throw new ArrayException("bitmap: " + e.getMessage());
                }
                if (bitmap.loadReason() != null) {
                    LOG.warn("{}: {}", f.setName(), bitmap.loadReason());
                }
            }
            RaidArray a = new RaidArray(plan, opts, devices, cuttable, bitmap, copyMask);
            self[0] = a;
            a.start(plan, unclean);
            return a;
        } catch (IOException | RuntimeException e) {
            if (bitmap != null) {
                bitmap.close();
            }
            for (MemberDevice d : opened) {
                try {
                    d.close();
                } catch (IOException ignored) {
                    // closing after a failed assembly: the original error is what matters
                }
            }
            throw e;
        }
    }

    private void start(AssemblyPlan plan, boolean unclean) {
        if (plan.degradedReason() != null) {
            LOG.warn("{}: starting degraded: {}", name, plan.degradedReason());
        }
        if (bitmap != null) {
            bitmap.setDegraded(isDegraded());
            // L1: the daemon flushes the members itself when idle chunks wait for a flush that no
            // client sends (md's preflush on bitmap page writes).
            bitmap.memberFlush(this::flushForBitmapDaemon);
        }
        Superblock f = plan.freshest().superblock();
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

    // ================================================================= I/O API

    /** Usable bytes. */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** Largest single read or write through a slot. */
    public int maxIoBytes() {
        return fanout.slotBytes();
    }

    /** Takes a request slot (its buffer is where write data goes and read data arrives). */
    public IoSlot acquireSlot() {
        return fanout.acquire();
    }

    public void releaseSlot(IoSlot s) {
        fanout.release(s);
    }

    /**
     * Smallest I/O unit: 4 KiB. O_DIRECT from Java needs the file system's block size for
     * files and at least the logical sector size for devices; 4 KiB covers both.
     */
    public static final int BLOCK_SIZE = 4096;

    private void checkRange(long offset, long length) throws IOException {
        if (offset < 0 || length < 0 || offset + length > sizeBytes || (offset & (BLOCK_SIZE - 1)) != 0
                || (length & (BLOCK_SIZE - 1)) != 0) {
            throw new IOException("I/O at offset " + offset + " length " + length + " is outside the array of "
                    + sizeBytes + " bytes or not 4 KiB aligned");
        }
    }

    /**
     * Writes {@code [0, length)} of the slot's buffer at {@code offset}: returns once the data is on
     * every active member (and durable when {@code fua}). Allocates nothing.
     *
     * @throws IOException when no member took the write (nothing is acknowledged then)
     */
    public void write(IoSlot s, long offset, int length, boolean fua) throws IOException {
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        enterWrite();
        try {
            long firstUnit = offset / unitBytes;
            long lastUnit = (offset + length - 1) / unitBytes;
            barrier.enter(firstUnit, lastUnit);
            try {
                if (bitmap != null) {
                    // W1: returns only when the chunks' bits are durable in every bitmap copy.
                    bitmap.startWrite(firstUnit, lastUnit);
                }
                int mask = writeMask.get();
                int failed = mask == 0 ? 0 : fanout.write(s, offset, length, fua, mask);
                boolean allOk = mask != 0 && failed == 0;
                if (failed != 0) {
                    // Before the reply: the superblocks must say these members failed, else a
                    // crash could bring their stale copy back as in sync.
                    failMembers(failed, "write error");
                }
                if (bitmap != null) {
                    // A failed or degraded write leaves the chunks NEEDED (W4).
                    bitmap.endWrite(firstUnit, lastUnit, allOk);
                }
                if (mask == 0 || (mask & ~failed) == 0) {
                    throw new IOException("write at " + offset + " failed on every member");
                }
            } finally {
                barrier.exit(firstUnit, lastUnit);
            }
        } finally {
            exitWrite();
        }
    }

    /**
     * Reads {@code length} bytes at {@code offset} into {@code [0, length)} of the slot's buffer,
     * from one in-sync member; on a read error, from another, and the bad range is rewritten on
     * the member that failed from the good copy.
     */
    public void read(IoSlot s, long offset, int length) throws IOException {
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        int candidates = resync.active() || resync.pending() ? sourceMask() : readMask;
        if (candidates == 0) {
            candidates = inSyncMask;
        }
        if (candidates == 0) {
            throw new IOException("read at " + offset + ": no member in sync");
        }
        int first = pick(candidates);
        int tried = 0;
        int m = first;
        while (true) {
            try {
                fanout.read(s, m, offset, length);
                if (tried != 0) {
                    repair(s, tried, offset, length);
                }
                return;
            } catch (IOException e) {
                tried |= 1 << m;
                LOG.warn("{}: read error on {} at {}: {}", name, paths[m], offset, e.getMessage());
                // A short read may mean the member shrank: then it is failed, never repaired.
                failShrunk(1 << m);
                int rest = inSyncMask & ~tried;
                if (rest == 0) {
                    throw new IOException("read at " + offset + " failed on every member: " + e.getMessage(), e);
                }
                m = Integer.numberOfTrailingZeros(rest);
            }
        }
    }

    /** Rewrites a range that failed to read on {@code bad} members from the good data in the slot. */
    private void repair(IoSlot s, int bad, long offset, int length) {
        // Writing past the end of a member that shrank would extend it with holes that read
        // as zeroes, and call that repaired: such a member is failed instead.
        int target = bad & ~failShrunk(bad) & writeMask.get();
        if (target == 0) {
            return;
        }
        long firstUnit = offset / unitBytes;
        long lastUnit = (offset + length - 1) / unitBytes;
        enterWrite();
        barrier.enter(firstUnit, lastUnit);
        try {
            if (bitmap != null) {
                bitmap.startWrite(firstUnit, lastUnit);
            }
            int failed = fanout.write(s, offset, length, false, target);
            if (failed != 0) {
                failMembers(failed, "read error that could not be rewritten");
            } else {
                LOG.info("{}: rewrote {} bytes at {} after a read error", name, length, offset);
            }
            if (bitmap != null) {
                bitmap.endWrite(firstUnit, lastUnit, failed == 0);
            }
        } finally {
            barrier.exit(firstUnit, lastUnit);
            exitWrite();
        }
    }

    private int pick(int mask) {
        int n = Integer.bitCount(mask);
        int k = Math.floorMod(readRobin.getAndIncrement(), n);
        int m = mask;
        for (int i = 0; i < k; i++) {
            m &= m - 1;
        }
        return Integer.numberOfTrailingZeros(m);
    }

    /** The member resync copies from: the lowest in-sync one. */
    int sourceMask() {
        int in = inSyncMask;
        return in == 0 ? 0 : Integer.lowestOneBit(in);
    }

    /** Convenience write from any buffer (copied through slots). */
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        IoSlot s = acquireSlot();
        try {
            long at = offset;
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), maxIoBytes());
                ByteBuffer d = s.data();
                d.clear();
                ByteBuffer part = src.slice();
                part.limit(n);
                d.put(part);
                src.position(src.position() + n);
                write(s, at, n, fua);
                at += n;
            }
        } finally {
            releaseSlot(s);
        }
    }

    /** Convenience read into any buffer. */
    public void read(long offset, ByteBuffer dst) throws IOException {
        IoSlot s = acquireSlot();
        try {
            long at = offset;
            while (dst.hasRemaining()) {
                int n = Math.min(dst.remaining(), maxIoBytes());
                read(s, at, n);
                ByteBuffer d = s.data();
                d.clear().limit(n);
                dst.put(d);
                at += n;
            }
        } finally {
            releaseSlot(s);
        }
    }

    /**
     * Flushes every member: when this returns, every write completed before the call is
     * durable. Also tells the bitmap (lazy clearing may then clear idle chunks, W2).
     */
    public void flush() throws IOException {
        IoSlot s = acquireSlot();
        try {
            flush(s);
        } finally {
            releaseSlot(s);
        }
    }

    /** {@link #flush()} with a slot the caller holds (allocation-free). */
    public void flush(IoSlot s) throws IOException {
        long ticket = bitmap != null ? bitmap.flushTicket() : 0;
        int mask = writeMask.get();
        int failed = fanout.flush(s, mask);
        if (failed != 0) {
            failMembers(failed, "flush error");
        }
        if ((mask & ~failed) == 0) {
            throw new IOException("flush failed on every member");
        }
        if (bitmap != null && failed == 0) {
            bitmap.membersFlushed(ticket);
        }
    }

    /** Discards {@code [offset, offset + length)}: it reads back as zeroes on every member. */
    public void trim(long offset, long length) throws IOException {
        IoSlot s = acquireSlot();
        try {
            trim(s, offset, length, false);
        } finally {
            releaseSlot(s);
        }
    }

    /**
     * {@link #trim(long, long)} with a slot the caller holds; with {@code fua} the zeroes are
     * durable on return. Chunks are marked in the bitmap like any write.
     */
    public void trim(IoSlot s, long offset, long length, boolean fua) throws IOException {
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        enterWrite();
        long firstUnit = offset / unitBytes;
        long lastUnit = (offset + length - 1) / unitBytes;
        barrier.enter(firstUnit, lastUnit);
        try {
            if (bitmap != null) {
                bitmap.startWrite(firstUnit, lastUnit);
            }
            int mask = writeMask.get();
            int failed = fanout.trim(s, offset, length, mask);
            if (fua && failed != mask) {
                failed |= fanout.flush(s, mask & ~failed);
            }
            if (failed != 0) {
                failMembers(failed, "trim error");
            }
            if (bitmap != null) {
                bitmap.endWrite(firstUnit, lastUnit, failed == 0);
            }
            if ((mask & ~failed) == 0) {
                throw new IOException("trim failed on every member");
            }
        } finally {
            barrier.exit(firstUnit, lastUnit);
            exitWrite();
        }
    }

    /**
     * Reads into any 4096-aligned direct buffer (its remaining bytes) from one in-sync member,
     * without a slot; falls back to the others on error. For read-modify-write of partial blocks.
     */
    public void readDirect(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        int candidates = resync.active() || resync.pending() ? sourceMask() : readMask;
        if (candidates == 0) {
            candidates = inSyncMask;
        }
        int pos = dst.position();
        IOException last = null;
        for (int m = candidates; m != 0; m &= m - 1) {
            int member = Integer.numberOfTrailingZeros(m);
            try {
                dst.position(pos);
                fanout.device(member).read(offset, dst);
                return;
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new IOException("read at " + offset + ": no member in sync");
    }

    // ================================================================= safe mode

    /** Before a write: count it, and make sure the superblocks say "active" (md's safe mode). */
    private void enterWrite() {
        enterWrite(true);
    }

    /**
     * @param foreground a client write (resync writes keep the array active but do not count as
     *     foreground activity, which slows resync down to its minimum speed)
     */
    void enterWrite(boolean foreground) {
        while (true) {
            inflight.incrementAndGet();
            // Dekker with markClean(): count first, then look at the mode.
            if (mode == MODE_ACTIVE) {
                if (foreground) {
                    lastWriteNanos = System.nanoTime();
                }
                return;
            }
            inflight.decrementAndGet();
            markActive();
        }
    }

    private void exitWrite() {
        exitWrite(true);
    }

    void exitWrite(boolean foreground) {
        if (foreground) {
            lastWriteNanos = System.nanoTime();
        }
        inflight.decrementAndGet();
    }

    private void markActive() {
        synchronized (sbLock) {
            if (mode != MODE_ACTIVE && !stopped) {
                // "active" must be on disk before the first write after an idle period: a crash
                // from here on means the members may differ.
                writeSuperblocksLocked(false, true);
                mode = MODE_ACTIVE;
            }
            if (stopped) {
                throw new IllegalStateException("array " + name + " is stopped");
            }
        }
    }

    /** After an idle period: flush the members and mark the superblocks clean. */
    private void markCleanIfIdle() {
        if (mode != MODE_ACTIVE || inflight.get() != 0 || resync.resyncing()
                || System.nanoTime() - lastWriteNanos < options.safeModeMillis() * 1_000_000L) {
            return;
        }
        synchronized (sbLock) {
            if (mode != MODE_ACTIVE) {
                return;
            }
            mode = MODE_CLEAN;
            // Dekker with enterWrite(): the mode is written, now look at the writers.
            if (inflight.get() != 0) {
                mode = MODE_ACTIVE;
                return;
            }
            try {
                flush();
            } catch (IOException e) {
                LOG.warn("{}: flush before marking clean failed: {}", name, e.getMessage());
                mode = MODE_ACTIVE;
                return;
            }
            writeSuperblocksLocked(true, true);
        }
    }

    // ================================================================= superblocks

    /**
     * Writes every running member's superblock with events bumped. With {@code bitmapFirst}
     * the bitmap's events are made durable first (W3: the bitmap is never older than the
     * superblock). Members being recovered keep their old superblock until they are in sync, so
     * a crash during recovery leaves them stale (and recovered again), never falsely current.
     */
    private void writeSuperblocksLocked(boolean clean, boolean bitmapFirst) {
        events++;
        if (bitmap != null && bitmapFirst) {
            bitmap.setEvents(events);
            if (!bitmap.writeSuperblockNow()) {
                LOG.error("{}: bitmap write error: the bitmap is stale, the next assembly resyncs fully", name);
            }
        }
        long now = MdTime.encode(Instant.now());
        int mask;
        synchronized (stateLock) {
            mask = inSyncMask;
        }
        for (int s = 0; s < raidDisks; s++) {
            if ((mask & (1 << s)) == 0) {
                continue;
            }
            Superblock sb = sbs[s];
            sb.events(events).utime(now).resyncOffset(clean ? resync.checkpointSectors() : 0);
            synchronized (stateLock) {
                for (int i = 0; i < maxDev; i++) {
                    sb.devRole(i, roles[i]);
                }
            }
            sb.featureMap(sb.featureMap() & ~FeatureMap.RECOVERY_OFFSET).recoveryOffset(0);
            sb.updateChecksum();
            ByteBuffer b = sbBlocks[s];
            b.clear();
            try {
                raw[s].write(superOffsetBytes[s], b, true);
            } catch (IOException e) {
                LOG.error("{}: superblock write to {} failed: {}", name, paths[s], e.getMessage());
                markFaulty(s, "superblock write error");
            }
        }
        superblockDirty = false;
    }

    /** Forces a superblock update now (events bump); used by state changes. */
    void updateSuperblocks() {
        synchronized (sbLock) {
            if (!stopped) {
                writeSuperblocksLocked(mode == MODE_CLEAN, true);
            }
        }
    }

    // ================================================================= member state

    private void recomputeMasks() {
        int in = 0;
        int w = 0;
        int rd = 0;
        for (int s = 0; s < raidDisks; s++) {
            if (states[s] == MemberState.IN_SYNC) {
                in |= 1 << s;
                w |= 1 << s;
                if (!writeMostly[s]) {
                    rd |= 1 << s;
                }
            } else if (states[s] == MemberState.RECOVERING) {
                w |= 1 << s;
            }
        }
        inSyncMask = in;
        readMask = rd != 0 ? rd : in;
        writeMask.set(w);
        copyMask.set(w);
    }

    boolean isDegraded() {
        for (MemberState st : states) {
            if (st != MemberState.IN_SYNC) {
                return true;
            }
        }
        return false;
    }

    /**
     * Marks a member faulty in memory (never waits for I/O: the bitmap flusher calls this).
     *
     * @return false when it is the last in-sync member, which is never failed (as md)
     */
    private boolean markFaulty(int s, String why) {
        synchronized (stateLock) {
            if (states[s] != MemberState.IN_SYNC && states[s] != MemberState.RECOVERING) {
                return true;
            }
            if (states[s] == MemberState.IN_SYNC && Integer.bitCount(inSyncMask) == 1) {
                LOG.error("{}: {} on {}, the last member in sync: it stays, errors go to the caller", name, why,
                        paths[s]);
                return false;
            }
            states[s] = MemberState.FAULTY;
            int dn = sbs[s] == null ? -1 : sbs[s].devNumber();
            if (dn >= 0 && dn < maxDev) {
                roles[dn] = SuperblockLayout.ROLE_FAULTY;
            }
            recomputeMasks();
            if (bitmap != null) {
                bitmap.setDegraded(true);
            }
            superblockDirty = true;
        }
        LOG.warn("{}: member {} failed ({}): array degraded", name, paths[s], why);
        // A resync or recovery notices at its next unit: the masks changed.
        LockSupport.unpark(housekeeper);
        return true;
    }

    /**
     * Fails the members of {@code mask} that are smaller now than when they were opened (a file
     * truncated under the array): what they held past the new end is gone.
     *
     * @return the members of {@code mask} found shrunk
     */
    private int failShrunk(int mask) {
        int shrunk = 0;
        boolean changed = false;
        for (int m = mask & writeMask.get(); m != 0; m &= m - 1) {
            int s = Integer.numberOfTrailingZeros(m);
            MemberDevice d = raw[s];
            long now;
            try {
                now = d == null ? -1 : d.currentSizeBytes();
            } catch (IOException e) {
                now = -1;
            }
            if (d != null && now >= 0 && now < d.sizeBytes()) {
                shrunk |= 1 << s;
                changed |= markFaulty(s, "device shrank from " + d.sizeBytes() + " to " + now + " bytes");
            }
        }
        if (changed) {
            updateSuperblocks();
        }
        return shrunk;
    }

    private void failMembers(int failedMask, String why) {
        boolean changed = false;
        for (int m = failedMask; m != 0; m &= m - 1) {
            int s = Integer.numberOfTrailingZeros(m);
            changed |= markFaulty(s, why + ": " + fanout.lastError(s));
        }
        if (changed) {
            updateSuperblocks();
        }
    }

    /** Called by the internal bitmap store from the flusher thread: only memory changes here. */
    private boolean bitmapCopyFailed(int s, IOException e) {
        return markFaulty(s, "bitmap write error: " + e.getMessage());
    }

    private int slotOf(Path p) {
        for (int s = 0; s < raidDisks; s++) {
            if (paths[s] != null && (paths[s].equals(p) || sameFile(paths[s], p))) {
                return s;
            }
        }
        return -1;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return java.nio.file.Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code manage --fail}: marks the member faulty as if it had failed. */
    public void fail(Path device) throws ArrayException {
        int s = slotOf(device);
        if (s < 0 || (states[s] != MemberState.IN_SYNC && states[s] != MemberState.RECOVERING)) {
            throw new ArrayException(device + ": not an active member of " + name);
        }
        if (!markFaulty(s, "failed by request")) {
            throw new ArrayException(device + ": the last member in sync cannot be failed");
        }
        updateSuperblocks();
    }

    /** {@code manage --remove}: takes a faulty member out and closes it. */
    public void remove(Path device) throws IOException {
        int s = slotOf(device);
        if (s < 0) {
            throw new ArrayException(device + ": not a member of " + name);
        }
        if (states[s] != MemberState.FAULTY) {
            throw new ArrayException(device + ": is " + states[s].name().toLowerCase().replace('_', '-')
                    + "; fail it first (manage --fail)");
        }
        MemberDevice d;
        synchronized (stateLock) {
            states[s] = MemberState.MISSING;
            d = raw[s];
            raw[s] = null;
            recomputeMasks();
        }
        fanout.replace(s, null);
        paths[s] = null;
        d.close();
        LOG.info("{}: removed {}", name, device);
    }

    /**
     * {@code manage --re-add}: a former member comes back. When its events are at least the
     * bitmap's events_cleared, only the chunks dirty in the bitmap are copied to it (W4);
     * otherwise everything is.
     */
    public void reAdd(Path device) throws IOException {
        MemberMetadata md;
        try {
            md = MetadataReader.read(device);
        } catch (MdFormatException e) {
            throw new ArrayException(device + ": " + e.getMessage());
        }
        Superblock sb = md.superblock();
        if (!Arrays.equals(sb.setUuid(), uuid)) {
            throw new ArrayException(device + ": belongs to another array (" + AssemblyPlan.hex(sb.setUuid()) + ")");
        }
        if (slotOf(device) >= 0 && states[slotOf(device)] == MemberState.FAULTY) {
            throw new ArrayException(device + ": is faulty in " + name + "; remove it first (manage --remove)");
        }
        if (slotOf(device) >= 0 && states[slotOf(device)] != MemberState.MISSING) {
            throw new ArrayException(device + ": is already " + states[slotOf(device)].name().toLowerCase()
                    + " in " + name);
        }
        int slot = sb.role();
        if (slot >= raidDisks || states[slot] != MemberState.MISSING) {
            slot = -1;
            for (int s = 0; s < raidDisks; s++) {
                if (states[s] == MemberState.MISSING) {
                    slot = s;
                    break;
                }
            }
        }
        if (slot < 0) {
            throw new ArrayException(device + ": no free slot (remove a faulty member first)");
        }
        boolean full = bitmap == null || Long.compareUnsigned(sb.events(), bitmap.eventsCleared()) < 0
                || Long.compareUnsigned(sb.events(), events) > 0 || bitmap.writeError();
        attach(slot, device, md, full);
    }

    /** {@code manage --add}: a new device joins and is recovered in full. */
    public void add(Path device) throws IOException {
        add(device, false);
    }

    /**
     * {@code manage --add}: a new device joins and is recovered in full. Unless {@code force},
     * a device holding a filesystem, an md superblock or another signature create refuses is
     * refused the same way, before anything is written to it.
     */
    public void add(Path device, boolean force) throws IOException {
        if (!force) {
            String sig = io.bitmirror.raid.device.SignatureProbe.find(io.bitmirror.raid.device.DeviceInfo.probe(device));
            if (sig != null) {
                throw new ArrayException(device + ": holds " + sig + "; use --force to overwrite it");
            }
        }
        int slot = -1;
        for (int s = 0; s < raidDisks; s++) {
            if (states[s] == MemberState.MISSING) {
                slot = s;
                break;
            }
        }
        if (slot < 0) {
            throw new ArrayException(device + ": no free slot (remove a faulty member first)");
        }
        MemberDevice d = options.opener().open(device);
        int s0 = Integer.numberOfTrailingZeros(inSyncMask);
        Superblock template = sbs[s0];
        long need = template.dataOffset() * 512 + sizeBytes;
        if (d.sizeBytes() < need) {
            d.close();
            throw new ArrayException(device + ": " + d.sizeBytes() + " bytes is too small: " + need + " are needed");
        }
        // A superblock cloned from an in-sync member: same geometry, its own dev_number and uuid,
        // events 0 so that until recovery finishes it is never taken for current.
        ByteBuffer block = DirectIo.allocate(SuperblockLayout.BLOCK);
        block.put(0, sbBlocks[s0], 0, SuperblockLayout.BLOCK);
        Superblock sb = new Superblock().wrap(block, 0);
        int dn = freeDevNumber();
        byte[] devUuid = new byte[16];
        new java.security.SecureRandom().nextBytes(devUuid);
        sb.devNumber(dn).deviceUuid(devUuid).events(0).dataSize(d.sizeBytes() / 512 - template.dataOffset());
        sb.devRole(dn, slot).updateChecksum();
        if (template.hasFeature(FeatureMap.BITMAP_OFFSET)) {
            // A copy of the bitmap area first, so the new member is a readable md member at
            // every moment; attach() then rewrites every page to make it current.
            long at = (template.superOffset() + template.bitmapOffset()) * 512;
            int room = (int) io.bitmirror.raid.superblock.SuperblockValidator.bitmapRoomBytes(template);
            ByteBuffer area = DirectIo.allocate(room);
            raw[s0].read(at, area);
            area.clear();
            d.write(at, area, false);
        }
        block.clear();
        d.write(template.superOffset() * 512, block, true);
        d.close();
        MemberMetadata md = MetadataReader.read(device);
        attach(slot, device, md, true);
    }

    private int freeDevNumber() throws ArrayException {
        synchronized (stateLock) {
            boolean[] used = new boolean[maxDev];
            for (int s = 0; s < raidDisks; s++) {
                if (sbs[s] != null && states[s] != MemberState.MISSING) {
                    used[sbs[s].devNumber()] = true;
                }
            }
            for (int i = 0; i < maxDev; i++) {
                if (!used[i] && (roles[i] == SuperblockLayout.ROLE_SPARE || roles[i] == SuperblockLayout.ROLE_FAULTY
                        || roles[i] >= raidDisks)) {
                    return i;
                }
            }
        }
        throw new ArrayException("no free dev_number in the superblock");
    }

    private void attach(int slot, Path device, MemberMetadata md, boolean full) throws IOException {
        MemberDevice d = options.opener().open(device);
        synchronized (stateLock) {
            adopt(slot, device, md);
            raw[slot] = d;
            int dn = sbs[slot].devNumber();
            if (dn < maxDev) {
                roles[dn] = slot;
            }
        }
        fanout.replace(slot, new DataArea(d, dataOffsetBytes[slot], sizeBytes));
        if (bitmap != null) {
            bitmap.setDegraded(true);
            if (!full) {
                bitmap.markSetBitsNeeded();
            }
        }
        synchronized (stateLock) {
            states[slot] = MemberState.RECOVERING;
            recomputeMasks();
        }
        if (bitmap != null) {
            // Its bitmap area is old: every page goes to it before it counts as a copy.
            bitmap.rewriteAllPages();
        }
        LOG.info("{}: {} added to slot {}: {} recovery", name, device, slot, full ? "full" : "bitmap-based");
        resync.request(Resync.Kind.RECOVERY, slot, 0, full);
        resync.startIfRequested();
    }

    /** Called by the resync thread when member {@code slot} caught up. */
    void recoveryFinished(int slot) {
        synchronized (stateLock) {
            if (states[slot] != MemberState.RECOVERING) {
                return;
            }
            resync.passEnded();
            states[slot] = MemberState.IN_SYNC;
            recomputeMasks();
            if (bitmap != null && !isDegraded()) {
                bitmap.setDegraded(false);
            }
        }
        LOG.info("{}: {} is in sync", name, paths[slot]);
        updateSuperblocks();
    }

    // ================================================================= what the sync pass sees

    /** The bitmap engine, or null; for tests in this package. */
    WriteIntentBitmap bitmap() {
        return bitmap;
    }

    /** The array as {@link Resync} sees it: a view, so the pass holds no reference to the facade. */
    private final class ArraySyncTarget implements SyncTarget {
        @Override public String name() { return name; }
        @Override public long sizeBytes() { return sizeBytes; }
        @Override public long unitBytes() { return unitBytes; }
        @Override public int raidDisks() { return raidDisks; }
        @Override public WriteIntentBitmap bitmap() { return bitmap; }
        @Override public SyncBarrier barrier() { return barrier; }
        @Override public MemberFanout fanout() { return fanout; }
        @Override public AssembleOptions options() { return options; }
        @Override public int inSyncMask() { return inSyncMask; }
        @Override public int sourceMask() { return RaidArray.this.sourceMask(); }
        @Override public MemberState state(int s) { return states[s]; }
        @Override public long lastWriteNanos() { return lastWriteNanos; }
        @Override public void enterWrite(boolean foreground) { RaidArray.this.enterWrite(foreground); }
        @Override public void exitWrite(boolean foreground) { RaidArray.this.exitWrite(foreground); }
        @Override public void failMembers(int failedMask, String why) { RaidArray.this.failMembers(failedMask, why); }
        /** Resync of an unclean array finished: the superblocks may say clean again. */
        @Override public void resyncFinished() { updateSuperblocks(); }
        @Override public void recoveryFinished(int slot) { RaidArray.this.recoveryFinished(slot); }
    }

    // ================================================================= housekeeping

    /**
     * The bitmap daemon's own member flush (L1), on the daemon thread. Not once the array stops:
     * stop() runs the last passes and flushes itself, and an abandoned array writes nothing more.
     */
    private void flushForBitmapDaemon() throws IOException {
        if (running) {
            flush();
        }
    }

    private void housekeep() {
        while (running) {
            LockSupport.parkNanos(this, Math.max(10_000_000L, options.safeModeMillis() * 1_000_000L / 4));
            if (!running) {
                break;
            }
            try {
                // Before anything else: a member truncated under the array must not be written
                // (a write would extend it with holes) nor read (the holes read as zeroes).
                failShrunk(writeMask.get());
                if (superblockDirty) {
                    updateSuperblocks();
                }
                markCleanIfIdle();
            } catch (RuntimeException e) {
                LOG.warn("{}: housekeeping: {}", name, e.toString());
            }
        }
    }

    // ================================================================= status and stop

    /** A snapshot for {@code detail}. */
    public ArrayStatus status() {
        List<ArrayStatus.Member> ms = new ArrayList<>();
        String action;
        boolean degraded;
        synchronized (stateLock) {
            for (int s = 0; s < raidDisks; s++) {
                ms.add(new ArrayStatus.Member(s, paths[s] == null ? null : paths[s].toString(), states[s],
                        writeMostly[s]));
            }
            // Read with the member states: recoveryFinished() changes both under this lock.
            action = resync.action();
            degraded = isDegraded();
        }
        StringBuilder st = new StringBuilder(mode == MODE_ACTIVE ? "active" : "clean");
        if (degraded) {
            st.append(", degraded");
        }
        if (action.equals("resync")) {
            st.append(", resyncing");
        } else if (action.equals("recovery")) {
            st.append(", recovering");
        } else if (action.equals("check")) {
            st.append(", checking");
        } else if (action.equals("repair")) {
            st.append(", repairing");
        }
        long evs;
        synchronized (sbLock) {
            evs = events;
        }
        return new ArrayStatus(AssemblyPlan.hex(uuid), name, metadataVersion, sizeBytes, raidDisks, st.toString(), evs, ms, action,
                resync.doneSectors(), resync.totalSectors(), resync.speedKiB(), bitmap == null ? 0 : bitmap.chunks(),
                bitmap == null ? 0 : bitmap.dirtyChunks(), bitmap == null ? 0 : bitmap.chunkBytes(),
                bitmap == null ? 0 : bitmap.pageWrites(), bitmap == null ? 0 : bitmap.flushEpochs(),
                resync.copiedChunks(), resync.copiedBytes(), resync.mismatchSectors());
    }

    public byte[] uuid() {
        return uuid.clone();
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
     * @throws ArrayException when refused: degraded, a resync or recovery runs or is pending, a
     *     check already runs, or an unknown word
     */
    public String syncAction(String action) throws ArrayException {
        return resync.requestAction(action);
    }

    /** Starts a requested resync (when assembled with autoResync off). */
    public void startResync() {
        resync.startIfRequested();
    }

    /**
     * Threads of the write path (member I/O, bitmap flusher and daemon) and the housekeeper
     * (safe mode, superblock upkeep), for allocation checks.
     */
    public List<Thread> ioThreads() {
        List<Thread> t = new ArrayList<>(Arrays.asList(fanout.threads()));
        t.add(housekeeper);
        if (bitmap != null) {
            t.add(bitmap.flusherThread());
            if (bitmap.daemonThread() != null) {
                t.add(bitmap.daemonThread());
            }
        }
        return t;
    }

    /**
     * Stops cleanly: waits for I/O, stops resync (its progress checkpointed), flushes, and
     * writes the superblocks "clean" (bitmap events first, W3).
     */
    public void stop() throws IOException {
        if (stopped) {
            return;
        }
        resync.stop();
        long end = System.nanoTime() + 30_000_000_000L;
        while (inflight.get() != 0 && System.nanoTime() < end) {
            LockSupport.parkNanos(1_000_000L);
        }
        running = false;
        LockSupport.unpark(housekeeper);
        try {
            housekeeper.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (sbLock) {
            try {
                flush();
                if (bitmap != null && !isDegraded()) {
                    // As md does on a clean stop: run the daemon's two passes now, each followed
                    // by a member flush, so every idle chunk is cleared (W2 holds: the second
                    // pass clears only what was idle across a flush).
                    bitmap.daemonTick();
                    flush();
                    bitmap.daemonTick();
                }
            } catch (IOException e) {
                LOG.warn("{}: final flush failed: {}", name, e.getMessage());
            }
            if (bitmap != null) {
                bitmap.flushNow();
            }
            writeSuperblocksLocked(true, true);
            mode = MODE_CLEAN;
            stopped = true;
        }
        closeAll();
    }

    /**
     * Drops the array as a crash would: threads stop, devices close, nothing more is written, not
     * even the bitmap pages that are dirty in memory (the engine's close would write and flush
     * them: its store has lost power first). For tests and the crash explorer.
     */
    public void abandon() {
        stopped = true;
        running = false;
        if (bitmapStore != null) {
            bitmapStore.cut();
        }
        resync.abandon();
        LockSupport.unpark(housekeeper);
        closeAll();
    }

    private void closeAll() {
        fanout.close();
        if (bitmap != null) {
            bitmap.close();
        }
        if (bitmapStore != null) {
            try {
                bitmapStore.close();
            } catch (IOException e) {
                LOG.warn("{}: closing the bitmap: {}", name, e.getMessage());
            }
        }
        for (int s = 0; s < raidDisks; s++) {
            if (raw[s] != null) {
                try {
                    raw[s].close();
                } catch (IOException e) {
                    LOG.warn("{}: closing {}: {}", name, paths[s], e.getMessage());
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
