package io.bitmirror.raid.array;

import static io.bitmirror.raid.ArrayException.require;

import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.device.DeviceInfo;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Assembly decided before anything is opened for writing (B1): every member's metadata read
 * and validated, the freshest superblock chosen by events, roles checked for duplicates and
 * for split brain, stale and missing members found. Refusals are one-line
 * {@link ArrayException}s naming the member and the value.
 *
 * <p>md's event margin: a member exactly one event behind the freshest, still active in the
 * freshest's roles, is what a crash between the members' superblock writes leaves (they are
 * written in parallel), so md and mdadm assemble it without {@code --run}. Unlike md, our
 * superblocks keep a missing member's active role while the array runs degraded, so one
 * event behind can also mean "missed the writes of a degraded run": such a member is not taken
 * as in sync but {@linkplain #catchUp() caught up} at once, as a re-add would (from the bitmap
 * when its events allow, W4), which is right in both cases.
 */
public final class AssemblyPlan {

    /** A member that will run, with the slot it holds. */
    public record Found(Path path, MemberMetadata metadata, int slot) {
        public Superblock sb() {
            return metadata.superblock();
        }
    }

    private final MemberMetadata freshest;
    private final List<Found> inSync;
    private final List<Found> stale;
    private final List<Found> catchUp;
    private final List<Integer> missingSlots;
    private final String degradedReason;

    private AssemblyPlan(MemberMetadata freshest, List<Found> inSync, List<Found> stale, List<Found> catchUp,
            List<Integer> missingSlots, String degradedReason) {
        this.freshest = freshest;
        this.inSync = inSync;
        this.stale = stale;
        this.catchUp = catchUp;
        this.missingSlots = missingSlots;
        this.degradedReason = degradedReason;
    }

    public MemberMetadata freshest() {
        return freshest;
    }

    public List<Found> inSync() {
        return inSync;
    }

    /** Members with older events: left out (re-add them to catch up). */
    public List<Found> stale() {
        return stale;
    }

    /**
     * Members one event behind the freshest and active in its roles (see the class comment):
     * they join at assembly and catch up as a re-add would; not a reason to need {@code --run}.
     */
    public List<Found> catchUp() {
        return catchUp;
    }

    public List<Integer> missingSlots() {
        return missingSlots;
    }

    /** Why the array starts degraded, or null. */
    public String degradedReason() {
        return degradedReason;
    }

    /** Reads and checks every member; writes nothing. */
    public static AssemblyPlan of(List<Path> devices, boolean run) throws IOException {
        require(!devices.isEmpty(), "no devices given");
        List<MemberMetadata> metas = new ArrayList<>();
        List<DeviceInfo> infos = new ArrayList<>();
        for (Path p : devices) {
            DeviceInfo info;
            try {
                info = io.bitmirror.raid.remote.RemoteMembers.probe(p);
            } catch (NoSuchFileException e) {
                throw new ArrayException(p + ": no such file or device");
            }
            for (int i = 0; i < infos.size(); i++) {
                require(!info.sameAs(infos.get(i)), p + ": the same device as " + devices.get(i) + " (given twice)");
            }
            infos.add(info);
            try {
                metas.add(io.bitmirror.raid.remote.RemoteMembers.readMetadata(p));
            } catch (MdFormatException e) {
                throw new ArrayException(p + ": " + e.getMessage());
            }
        }
        int fi = 0;
        for (int i = 1; i < metas.size(); i++) {
            if (Long.compareUnsigned(metas.get(i).superblock().events(), metas.get(fi).superblock().events()) > 0) {
                fi = i;
            }
        }
        MemberMetadata fresh = metas.get(fi);
        Superblock f = fresh.superblock();
        byte[] uuid = f.setUuid();
        for (int i = 0; i < metas.size(); i++) {
            Superblock sb = metas.get(i).superblock();
            require(Arrays.equals(sb.setUuid(), uuid), devices.get(i) + ": belongs to array " + hex(sb.setUuid())
                    + ", not " + hex(uuid) + " of " + devices.get(fi) + ": members of different arrays");
            require(sb.level() == 1, devices.get(i) + ": level " + sb.level() + ": bitmirror runs RAID-1 only");
            // Only among the members as fresh as the freshest: a grow --bitmap that crashed between
            // two superblock writes leaves an older member with the old feature bit, and that
            // member is stale anyway (left out, and rewritten when it is re-added).
            require(sb.events() != f.events()
                    || sb.hasFeature(FeatureMap.BITMAP_OFFSET) == f.hasFeature(FeatureMap.BITMAP_OFFSET),
                    devices.get(i) + ": feature_map 0x" + Integer.toHexString(sb.featureMap())
                            + " disagrees with the freshest member about the internal bitmap");
            require(Long.compareUnsigned(sb.dataSize(), f.size()) >= 0, devices.get(i) + ": data_size " + sb.dataSize()
                    + " is smaller than the array size " + f.size() + " (wrong size)");
        }
        int raidDisks = f.raidDisks();
        require(raidDisks >= 1 && raidDisks <= 31, devices.get(fi) + ": raid_disks " + raidDisks
                + ": bitmirror runs 1 to 31 members");
        // Split brain: a member the others recorded as failed must not have newer events than them.
        for (int a = 0; a < metas.size(); a++) {
            Superblock sa = metas.get(a).superblock();
            for (int b = 0; b < metas.size(); b++) {
                Superblock sbb = metas.get(b).superblock();
                if (a == b || Long.compareUnsigned(sa.events(), sbb.events()) <= 0) {
                    continue;
                }
                int dn = sa.devNumber();
                if (dn < sbb.maxDev() && sbb.devRole(dn) == SuperblockLayout.ROLE_FAULTY) {
                    throw new ArrayException(devices.get(a) + ": events " + Long.toUnsignedString(sa.events())
                            + " are newer than " + devices.get(b) + "'s " + Long.toUnsignedString(sbb.events())
                            + ", which recorded it as failed: the members diverged (split brain); assemble them "
                            + "separately");
                }
            }
        }
        Found[] bySlot = new Found[raidDisks];
        List<Found> stale = new ArrayList<>();
        List<Found> behindByOne = new ArrayList<>();
        for (int i = 0; i < metas.size(); i++) {
            Superblock sb = metas.get(i).superblock();
            int dn = sb.devNumber();
            int role = dn < f.maxDev() ? f.devRole(dn) : SuperblockLayout.ROLE_FAULTY;
            if (role >= raidDisks) {
                // Failed (or a spare) in the freshest view: it cannot run, only be re-added.
                int own = sb.role();
                stale.add(new Found(devices.get(i), metas.get(i), own < raidDisks ? own : -1));
                continue;
            }
            Found found = new Found(devices.get(i), metas.get(i), role);
            if (sb.events() != f.events()) {
                (withinEventMargin(sb, f) ? behindByOne : stale).add(found);
                continue;
            }
            require(bySlot[role] == null, devices.get(i) + " and " + (bySlot[role] == null ? "" : bySlot[role].path())
                    + " both hold slot " + role + " (dev_number " + dn + ")");
            bySlot[role] = found;
        }
        // After every in-sync member has its slot: one behind that finds its slot taken is stale.
        List<Found> catchUp = new ArrayList<>();
        boolean[] caughtUp = new boolean[raidDisks];
        for (Found b : behindByOne) {
            if (bySlot[b.slot()] == null && !caughtUp[b.slot()]) {
                caughtUp[b.slot()] = true;
                catchUp.add(b);
            } else {
                stale.add(b);
            }
        }
        List<Found> inSync = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        for (int s = 0; s < raidDisks; s++) {
            if (caughtUp[s]) {
                continue;
            }
            if (bySlot[s] != null) {
                inSync.add(bySlot[s]);
            } else {
                missing.add(s);
            }
        }
        require(!inSync.isEmpty(), "no member is in sync: cannot start the array");
        String reason = null;
        if (!stale.isEmpty()) {
            Found s = stale.get(0);
            int role = s.sb().devNumber() < f.maxDev() ? f.devRole(s.sb().devNumber()) : SuperblockLayout.ROLE_FAULTY;
            reason = s.path() + (role == SuperblockLayout.ROLE_FAULTY ? " was failed" : " is stale") + " (events "
                    + Long.toUnsignedString(s.sb().events()) + ", array " + Long.toUnsignedString(f.events()) + ")";
        } else if (!missing.isEmpty()) {
            reason = "slot " + missing.get(0) + " is missing (no member given holds it)";
        }
        if (reason != null && !run) {
            throw new ArrayException(reason + "; use --run to start degraded" + (stale.isEmpty() ? ""
                    : ", then re-add it to catch up"));
        }
        return new AssemblyPlan(fresh, List.copyOf(inSync), List.copyOf(stale), List.copyOf(catchUp),
                List.copyOf(missing), reason);
    }

    /**
     * One event behind the freshest, by md's margin. Not events 0 (a joining member's, never
     * in sync) and not a superblock that records a recovery in progress (md's recovery_offset):
     * those were never complete copies, so they stay stale and need an explicit re-add.
     */
    private static boolean withinEventMargin(Superblock sb, Superblock freshest) {
        return sb.events() != 0 && sb.events() + 1 == freshest.events()
                && !sb.hasFeature(FeatureMap.RECOVERY_OFFSET);
    }

    static String hex(byte[] u) {
        String h = HexFormat.of().formatHex(u);
        return h.substring(0, 8) + ":" + h.substring(8, 16) + ":" + h.substring(16, 24) + ":" + h.substring(24);
    }
}
