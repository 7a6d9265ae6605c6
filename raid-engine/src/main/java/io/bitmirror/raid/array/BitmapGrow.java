package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.BitmapEngineOptions;
import io.bitmirror.bitmap.engine.MemberFlush;
import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.bitmap.engine.internal.EngineInternals;
import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.bitmap.InternalBitmapStore;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.MemberLayout;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;

import java.io.IOException;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code grow --bitmap} on a running array (mdadm {@code --grow --bitmap}), crash-safe at
 * every step (W3 ordering; the steps are commented where they are enforced):
 * <ul>
 * <li>add: writes suspended (the sync barrier drains them), members flushed, the bitmap written
 *     (superblock and every bit clean) and flushed on every copy, the engine installed, then the
 *     superblocks with the feature bit and bitmap_offset (events bumped, bitmap events first),
 *     then writes resume;
 * <li>remove: writes suspended, members flushed, the superblocks without the feature bit
 *     (events bumped), then the engine stops; the old bitmap area stays (nothing reads it
 *     without the bit), writes resume.
 * </ul>
 * Runs under the manage lock, so no add, re-add or sync_action runs meanwhile.
 */
final class BitmapGrow {
    private static final Logger LOG = LoggerFactory.getLogger(BitmapGrow.class);

    private final ArrayGeometry g;
    private final AssembleOptions options;
    private final Members members;
    private final ArrayMetadata metadata;
    private final BitmapHolder bitmaps;
    private final SyncBarrier barrier;
    private final MirroredIo io;
    private final MemberFlush daemonFlush;
    private final BooleanSupplier syncing;

    BitmapGrow(ArrayGeometry g, AssembleOptions options, Members members, ArrayMetadata metadata,
            BitmapHolder bitmaps, SyncBarrier barrier, MirroredIo io, MemberFlush daemonFlush,
            BooleanSupplier syncing) {
        this.g = g;
        this.options = options;
        this.members = members;
        this.metadata = metadata;
        this.bitmaps = bitmaps;
        this.barrier = barrier;
        this.io = io;
        this.daemonFlush = daemonFlush;
        this.syncing = syncing;
    }

    /** Where an internal bitmap goes and its chunk, all checked before anything is written. */
    private record Placement(int offsetSectors, long startBytes, long roomBytes, int chunkBytes) {
    }

    String apply(BitmapChange c) throws ArrayException {
        BitmapHolder.Active now = bitmaps.active();
        if (metadata.stopped()) {
            throw refused("array " + g.name() + " is stopped");
        }
        if (syncing.getAsBoolean()) {
            // md answers EBUSY while a sync thread runs or recovery is wanted: the pass reads the
            // bitmap and its unit, which the grow changes.
            throw refused("a resync, recovery, check or repair of " + g.name()
                    + " runs or is pending; wait until it is done");
        }
        if (c.kind() == BitmapChange.Kind.NONE) {
            if (now.bitmap() == null) {
                throw refused("array " + g.name() + " has no bitmap to remove");
            }
        } else if (now.bitmap() != null) {
            // mdadm: "bitmap already present"; it must be removed first.
            throw refused("array " + g.name() + " already has " + (now.internal() ? "an internal" : "an external")
                    + " bitmap; remove it first with --bitmap=none");
        }
        long sizeSectors = g.sizeBytes() / 512;
        Placement p = null;
        int chunk = 0;
        if (c.kind() == BitmapChange.Kind.INTERNAL) {
            p = place(c.chunkBytes(), sizeSectors);
            chunk = p.chunkBytes();
        } else if (c.kind() == BitmapChange.Kind.FILE) {
            chunk = c.chunkBytes() > 0 ? checkedChunk(c.chunkBytes()) : ArrayCreator.defaultFileChunk(sizeSectors);
        }
        // Quiesce: once suspend returns, no write is in flight and none starts until resume.
        barrier.suspend();
        try {
            // Every write that completed is durable on every member before a bitmap that calls
            // its chunk clean exists (or before the bitmap that covered it goes away).
            io.flush();
            Placement place = p;
            int ch = chunk;
            return metadata.locked(() -> c.kind() == BitmapChange.Kind.NONE ? remove(now)
                    : add(c, place, ch, sizeSectors));
        } catch (IOException e) {
            throw new ArrayException("grow --bitmap=" + c.description() + " of " + g.name() + " failed: "
                    + e.getMessage(), e);
        } finally {
            // Writes resume only after the superblocks say what the array now has.
            barrier.resume();
        }
    }

    private String add(BitmapChange c, Placement p, int chunk, long sizeSectors) throws IOException {
        boolean internal = p != null;
        BitmapStore raw = internal
                ? new InternalBitmapStore(members::current, p.startBytes(), p.roomBytes(), members::bitmapCopyFailed,
                        options.memberIo(), options.memberTimeoutMillis(), "md-" + g.name() + "-bitmap")
                : c.newStore().create(g.uuid(), sizeSectors, chunk);
        PowerCutStore store = new PowerCutStore(raw);
        WriteIntentBitmap bm = null;
        try {
            if (c.superblockFirstMutant() && internal) {
                // MUTANT (test hook only): the superblocks point at the bitmap area before the
                // bitmap is written there; a crash in between assembles an unwritten bitmap.
                bitmaps.set(new BitmapHolder.Active(null, null, ArrayGeometry.NO_BITMAP_UNIT, p.offsetSectors()));
                metadata.writeSuperblocksForGrow();
            }
            long events = metadata.eventsLocked();
            // W3 step 1: the bitmap (its superblock with the array's events, every bit clean) is
            // durable on every copy before any superblock points at it. Clean is right: writes
            // are suspended, every member was flushed and no resync is pending, so the in-sync
            // members hold the same data.
            WriteIntentBitmap.format(store, g.uuid(), sizeSectors, chunk, ArrayCreator.DEFAULT_DAEMON_SLEEP, 0, events,
                    false);
            BitmapEngineOptions eo = EngineInternals.withMutant(
                    BitmapEngineOptions.defaults().startDaemon(true).storeTimeoutNanos(options.bitmapStoreTimeoutNanos()),
                    options.mutant());
            if (options.daemonSleepMillis() >= 0) {
                eo = eo.daemonSleepMillis(options.daemonSleepMillis());
            }
            bm = WriteIntentBitmap.load(store, g.uuid(), events, false, eo);
            // W4: a degraded array's new bitmap clears nothing and marks every write NEEDED.
            bm.setDegraded(members.current().degraded());
            bm.memberFlush(daemonFlush);
            // Installed while writes are suspended: no write uses it before the superblocks below.
            bitmaps.set(new BitmapHolder.Active(bm, store, chunk, internal ? p.offsetSectors() : 0));
            // Again, now that the listener sees it: a member may have failed while loading.
            bm.setDegraded(members.current().degraded());
            // W3 step 2: the superblocks say "bitmap at bitmap_offset" (internal) with events
            // bumped, the bitmap's events written and flushed first (ArrayMetadata), so the
            // bitmap is never older than a superblock that points at it.
            metadata.writeSuperblocksForGrow();
        } catch (IOException | RuntimeException e) {
            // Nothing points at the new bitmap yet (the superblocks are written last).
            bitmaps.set(BitmapHolder.Active.NONE);
            if (bm != null) {
                bm.close();
            }
            store.close();
            throw e;
        }
        String what = internal ? "an internal bitmap" : "bitmap file " + c.description();
        String line = "added " + what + " to " + g.name() + ": chunk " + chunk / 1024 + "K, " + bm.chunks()
                + " chunks";
        LOG.info("{}", line);
        return line;
    }

    private String remove(BitmapHolder.Active old) throws IOException {
        // W3 for removal: the superblocks stop pointing at the bitmap (feature bit cleared,
        // events bumped) before the engine stops; until they are durable a crash assembles with
        // the old bitmap, which is still right (every write it covered completed and was flushed).
        bitmaps.set(BitmapHolder.Active.NONE);
        metadata.writeSuperblocksForGrow();
        // Only now: the old engine's last page writes go to an area nothing reads any more.
        old.bitmap().close();
        old.store().close();
        String line = "removed the " + (old.internal() ? "internal" : "external") + " bitmap of " + g.name();
        LOG.info("{}", line);
        return line;
    }

    /** The internal bitmap's place between superblock and data, and its chunk. */
    private Placement place(long given, long sizeSectors) throws ArrayException {
        MemberSet set = members.current();
        long room = Long.MAX_VALUE;
        long superOffset = -1;
        long deviceSectors = Long.MAX_VALUE;
        for (int rest = set.inSyncMask; rest != 0; rest &= rest - 1) {
            int s = Integer.numberOfTrailingZeros(rest);
            Superblock sb = set.superblock(s).sb;
            if (sb.superOffset() >= sb.dataOffset()) {
                throw refused("metadata 1.0 (superblock after the data): an internal bitmap on grow is not "
                        + "supported; use a bitmap file");
            }
            long end = sb.dataOffset();
            if (sb.hasFeature(FeatureMap.BAD_BLOCKS) && sb.bblogOffset() > 0) {
                end = Math.min(end, sb.superOffset() + sb.bblogOffset());
            }
            room = Math.min(room, end - sb.superOffset() - MemberLayout.BITMAP_OFFSET);
            superOffset = sb.superOffset();
            deviceSectors = Math.min(deviceSectors, set.device(s).sizeBytes() / 512);
        }
        long roomBytes = Math.max(0, room) * 512;
        if (roomBytes < BitmapGeometry.PAGE_SIZE) {
            throw refused("no room for an internal bitmap between the superblock and the data (" + roomBytes
                    + " bytes); use a bitmap file");
        }
        int chunk;
        if (given > 0) {
            chunk = checkedChunk(given);
            long need = BitmapGeometry.totalBytes(BitmapGeometry.chunks(sizeSectors, chunk));
            if (need > roomBytes) {
                throw refused("bitmap-chunk " + given / 1024 + "K: the bitmap would need " + need
                        + " bytes but the members have room for " + roomBytes
                        + " between the superblock and the data; choose a larger chunk");
            }
        } else {
            // mdadm's default: the smallest chunk (from 64 MiB up) whose bitmap fits the room it
            // would reserve at create for a device of this size, and the room there is.
            long defaultRoom = Math.min(roomBytes, MemberLayout.bitmapRoom(deviceSectors) * 512L);
            chunk = BitmapGeometry.defaultChunk(sizeSectors, Math.max(BitmapGeometry.PAGE_SIZE, defaultRoom));
        }
        return new Placement(MemberLayout.BITMAP_OFFSET, (superOffset + MemberLayout.BITMAP_OFFSET) * 512, roomBytes,
                chunk);
    }

    private static int checkedChunk(long given) throws ArrayException {
        if (Long.bitCount(given) != 1 || given < 4096 || given > (1L << 30)) {
            throw refused("bitmap-chunk " + given + ": must be a power of two from 4K to 1G");
        }
        return (int) given;
    }

    private static ArrayException refused(String why) {
        return new ArrayException("grow refused: " + why);
    }
}
