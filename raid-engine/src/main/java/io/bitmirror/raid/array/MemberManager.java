package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.create.JoiningMember;
import io.bitmirror.raid.io.MemberFanout;
import io.bitmirror.raid.member.DataArea;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.remote.RemoteMembers;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Members coming and going: failing members (on I/O errors, on request, when a device shrank),
 * {@code manage --remove}, {@code --re-add} and {@code --add}, and the end of a recovery. One
 * manage request runs at a time ({@code manageLock}), and each decides from one snapshot of the
 * members; errors from the I/O paths may fail members meanwhile, which only ever makes a
 * decision more cautious (a faulty member is neither removed nor re-added by surprise: both
 * transitions check the state again under the members' lock).
 */
final class MemberManager {
    private static final Logger LOG = LoggerFactory.getLogger(MemberManager.class);

    private final ArrayGeometry geometry;
    private final AssembleOptions options;
    private final Members members;
    private final ArrayMetadata metadata;
    private final MemberFanout fanout;
    private final BitmapHolder bitmaps;
    private final Resync resync;
    private final Object manageLock = new Object();

    MemberManager(ArrayGeometry geometry, AssembleOptions options, Members members, ArrayMetadata metadata,
            MemberFanout fanout, BitmapHolder bitmaps, Resync resync) {
        this.geometry = geometry;
        this.options = options;
        this.members = members;
        this.metadata = metadata;
        this.fanout = fanout;
        this.bitmaps = bitmaps;
        this.resync = resync;
    }

    private String name() {
        return geometry.name();
    }

    // ================================================================= failures from I/O

    /** Fails the members of {@code failedMask} after an I/O error; the superblocks say so on return. */
    void failMembers(int failedMask, String why) {
        boolean changed = false;
        for (int m = failedMask; m != 0; m &= m - 1) {
            int s = Integer.numberOfTrailingZeros(m);
            changed |= members.markFaulty(s, why + ": " + fanout.lastError(s));
        }
        if (changed) {
            metadata.updateSuperblocks();
        }
    }

    /**
     * Fails the members of {@code mask} that are smaller now than when they were opened (a file
     * truncated under the array): what they held past the new end is gone.
     *
     * @return the members of {@code mask} found shrunk
     */
    int failShrunk(int mask) {
        int shrunk = members.shrunk(mask);
        boolean changed = false;
        for (int m = shrunk; m != 0; m &= m - 1) {
            int s = Integer.numberOfTrailingZeros(m);
            MemberDevice d = members.current().device(s);
            long now;
            try {
                now = d.currentSizeBytes();
            } catch (IOException e) {
                now = -1;
            }
            changed |= members.markFaulty(s, "device shrank from " + d.sizeBytes() + " to " + now + " bytes");
        }
        if (changed) {
            metadata.updateSuperblocks();
        }
        return shrunk;
    }

    /** A remote member's link broke: failed as after an I/O error (the link watcher). */
    void failLink(Path device) throws ArrayException {
        MemberSet set = members.current();
        int s = set.slotOf(device);
        if (s < 0) {
            throw new ArrayException(device + ": not a member of " + name());
        }
        if (members.markFaulty(s, "link lost")) {
            metadata.updateSuperblocks();
        }
    }

    // ================================================================= manage requests

    /** {@code manage --fail}: marks the member faulty as if it had failed. */
    void fail(Path device) throws ArrayException {
        synchronized (manageLock) {
            MemberSet set = members.current();
            int s = set.slotOf(device);
            if (s < 0 || (set.state(s) != MemberState.IN_SYNC && set.state(s) != MemberState.RECOVERING)) {
                throw new ArrayException(device + ": not an active member of " + name());
            }
            if (!members.markFaulty(s, "failed by request")) {
                throw new ArrayException(device + ": the last member in sync cannot be failed");
            }
            if (options.readOnly()) {
                // As md's set_disk_faulty on a read-only array: the state changes, the
                // superblocks do not (the next read-write assembly sees the member as it was).
                LOG.info("{}: read-only: {} is faulty in memory only, its superblock is not updated", name(), device);
            }
            metadata.updateSuperblocks();
        }
    }

    /** {@code manage --remove}: takes a faulty member out and closes it. */
    void remove(Path device) throws ArrayException {
        synchronized (manageLock) {
            MemberSet set = members.current();
            int s = set.slotOf(device);
            if (s < 0) {
                throw new ArrayException(device + ": not a member of " + name());
            }
            MemberDevice d = members.remove(s);
            if (d == null) {
                throw new ArrayException(device + ": is " + members.current().state(s).name().toLowerCase()
                        .replace('_', '-') + "; fail it first (manage --fail)");
            }
            fanout.replace(s, null);
            try {
                d.close();
            } catch (IOException e) {
                throw new ArrayException(device + ": closing: " + e.getMessage(), e);
            }
            LOG.info("{}: removed {}", name(), device);
        }
    }

    /**
     * {@code manage --re-add}: a former member comes back. When its events are at least the
     * bitmap's events_cleared, only the chunks dirty in the bitmap are copied to it (W4);
     * otherwise everything is.
     */
    void reAdd(Path device) throws ArrayException {
        refuseIfReadOnly(device, "re-add");
        synchronized (manageLock) {
            MemberMetadata md;
            try {
                md = RemoteMembers.readMetadata(device);
            } catch (MdFormatException e) {
                throw new ArrayException(device + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw wrap(device, e);
            }
            Superblock sb = md.superblock();
            if (!Arrays.equals(sb.setUuid(), geometry.uuid())) {
                throw new ArrayException(device + ": belongs to another array (" + AssemblyPlan.hex(sb.setUuid()) + ")");
            }
            MemberSet set = members.current();
            int known = set.slotOf(device);
            if (known >= 0 && set.state(known) == MemberState.FAULTY) {
                throw new ArrayException(device + ": is faulty in " + name() + "; remove it first (manage --remove)");
            }
            if (known >= 0 && set.state(known) != MemberState.MISSING) {
                throw new ArrayException(device + ": is already " + set.state(known).name().toLowerCase() + " in "
                        + name());
            }
            int slot = sb.role();
            if (slot >= geometry.raidDisks() || set.state(slot) != MemberState.MISSING) {
                slot = set.freeSlot();
            }
            if (slot < 0) {
                throw new ArrayException(device + ": no free slot (remove a faulty member first)");
            }
            attach(slot, device, md, needsFullRecovery(sb), true);
        }
    }

    /**
     * A member assembly found one event behind ({@link AssemblyPlan#catchUp()}): it joins its
     * slot and is recovered by the rule of a re-add. Called by {@code start} before the sync
     * thread may run, which starts it (or not, without auto-resync) with the resync.
     */
    void catchUp(AssemblyPlan.Found member) throws ArrayException {
        synchronized (manageLock) {
            LOG.info("{}: {} is one event behind (events {}, array {}): the members' superblock writes were cut "
                    + "short; it catches up now", name(), member.path(), Long.toUnsignedString(member.sb().events()),
                    Long.toUnsignedString(metadata.events()));
            attach(member.slot(), member.path(), member.metadata(), needsFullRecovery(member.sb()), false);
        }
    }

    /**
     * W4: only a member whose events are at least the bitmap's events_cleared can trust the
     * bitmap to name every chunk it missed; one newer than the array, or any member when the
     * bitmap had a write error (or there is none), is copied in full.
     */
    private boolean needsFullRecovery(Superblock sb) {
        WriteIntentBitmap bitmap = bitmaps.bitmap();
        return bitmap == null || Long.compareUnsigned(sb.events(), bitmap.eventsCleared()) < 0
                || Long.compareUnsigned(sb.events(), metadata.events()) > 0 || bitmap.writeError();
    }

    /**
     * {@code manage --add}: a new device joins and is recovered in full. Unless {@code force},
     * a device holding a filesystem, an md superblock or another signature create refuses is
     * refused the same way, before anything is written to it.
     */
    void add(Path device, boolean force, boolean writeMostly) throws ArrayException {
        refuseIfReadOnly(device, "add");
        synchronized (manageLock) {
            try {
                if (!force) {
                    String sig = RemoteMembers.signature(RemoteMembers.probe(device));
                    if (sig != null) {
                        throw new ArrayException(device + ": holds " + sig + "; use --force to overwrite it");
                    }
                }
                MemberSet set = members.current();
                int slot = set.freeSlot();
                if (slot < 0) {
                    throw new ArrayException(device + ": no free slot (remove a faulty member first)");
                }
                int s0 = Integer.numberOfTrailingZeros(set.inSyncMask);
                MemberSuperblock template = set.superblock(s0);
                int dn = freeDevNumber(set);
                try (MemberDevice d = options.opener().open(device)) {
                    long need = template.dataOffsetBytes + geometry.sizeBytes();
                    if (d.sizeBytes() < need) {
                        throw new ArrayException(device + ": " + d.sizeBytes() + " bytes is too small: " + need
                                + " are needed");
                    }
                    JoiningMember.write(d, template.block, set.device(s0), dn, slot, writeMostly);
                }
                attach(slot, device, RemoteMembers.readMetadata(device), true, true);
            } catch (ArrayException e) {
                throw e;
            } catch (IOException e) {
                throw wrap(device, e);
            }
        }
    }

    /**
     * md refuses a hot add on a read-only array (EROFS): the device's superblock would be
     * written and a recovery started. Checked before the device is even opened.
     */
    private void refuseIfReadOnly(Path device, String what) throws ArrayException {
        if (options.readOnly()) {
            throw new ArrayException(device + ": cannot " + what + ": array " + name() + " is read-only");
        }
    }

    private static ArrayException wrap(Path device, IOException e) {
        return new ArrayException(device + ": " + e.getMessage(), e);
    }

    private int freeDevNumber(MemberSet set) throws ArrayException {
        boolean[] used = new boolean[set.maxDev()];
        for (int s = 0; s < set.slots(); s++) {
            if (set.superblock(s) != null && set.state(s) != MemberState.MISSING) {
                used[set.superblock(s).devNumber()] = true;
            }
        }
        for (int i = 0; i < set.maxDev(); i++) {
            int role = set.role(i);
            if (!used[i] && (role == SuperblockLayout.ROLE_SPARE || role == SuperblockLayout.ROLE_FAULTY
                    || role >= geometry.raidDisks())) {
                return i;
            }
        }
        throw new ArrayException("no free dev_number in the superblock");
    }

    /** {@code startNow}: start the recovery at once (a manage request) or leave it to the caller. */
    private void attach(int slot, Path device, MemberMetadata md, boolean full, boolean startNow) throws ArrayException {
        MemberDevice d;
        try {
            d = options.opener().open(device);
        } catch (IOException e) {
            throw wrap(device, e);
        }
        MemberSuperblock sb = MemberSuperblock.of(md);
        WriteIntentBitmap bitmap = bitmaps.bitmap();
        // Its I/O thread first, then the state: a write that sees it recovering can reach it.
        fanout.replace(slot, new DataArea(d, sb.dataOffsetBytes, geometry.sizeBytes()));
        if (bitmap != null) {
            bitmap.setDegraded(true);
            if (!full) {
                bitmap.markSetBitsNeeded();
            }
        }
        members.join(slot, device, d, sb);
        if (bitmap != null) {
            // Its bitmap area is old: every page goes to it before it counts as a copy.
            bitmap.rewriteAllPages();
        }
        LOG.info("{}: {} added to slot {}: {} recovery", name(), device, slot, full ? "full" : "bitmap-based");
        resync.request(Resync.Kind.RECOVERY, slot, 0, full);
        if (startNow) {
            resync.startIfRequested();
        }
    }

    /** An action on the array's shape, one at a time with the manage requests (grow, sync_action). */
    interface Exclusive<T> {
        T run() throws ArrayException;
    }

    /** Runs {@code x} under the manage lock: no add or re-add (no recovery starts) meanwhile. */
    <T> T exclusive(Exclusive<T> x) throws ArrayException {
        synchronized (manageLock) {
            return x.run();
        }
    }

    /** Called by the sync pass when member {@code slot} caught up. */
    void recoveryFinished(int slot) {
        // The pass ends in the same critical section (status reads both under the lock).
        if (!members.recovered(slot, resync::passEnded)) {
            return;
        }
        LOG.info("{}: {} is in sync", name(), members.current().path(slot));
        metadata.updateSuperblocks();
    }
}
