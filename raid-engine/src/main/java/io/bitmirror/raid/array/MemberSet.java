package io.bitmirror.raid.array;

import io.bitmirror.raid.bitmap.BitmapCopies;
import io.bitmirror.raid.member.MemberDevice;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The array's members at one moment, immutable: each slot's state, path, device and superblock,
 * the roles by dev_number, and the masks derived from the states. {@link Members} publishes a new
 * one on every transition; a reader takes one and decides from it alone, so it never sees a
 * state from one moment and a mask from another.
 */
final class MemberSet implements BitmapCopies {
    private final MemberState[] states;
    private final Path[] paths;
    private final MemberDevice[] devices;
    private final MemberSuperblock[] supers;
    /** Role by dev_number, as the superblocks record it. */
    private final int[] roles;
    final int inSyncMask;
    final int writeMask;
    final int readMask;
    /** In-sync write-mostly members: where md's write-behind sends its writes late. */
    final int writeMostlyMask;

    MemberSet(MemberState[] states, Path[] paths, MemberDevice[] devices, MemberSuperblock[] supers, int[] roles) {
        this.states = states;
        this.paths = paths;
        this.devices = devices;
        this.supers = supers;
        this.roles = roles;
        int in = 0;
        int w = 0;
        int rd = 0;
        for (int s = 0; s < states.length; s++) {
            if (states[s] == MemberState.IN_SYNC) {
                in |= 1 << s;
                w |= 1 << s;
                if (supers[s] != null && !supers[s].writeMostly) {
                    rd |= 1 << s;
                }
            } else if (states[s] == MemberState.RECOVERING) {
                w |= 1 << s;
            }
        }
        this.inSyncMask = in;
        this.writeMask = w;
        // Write-mostly members serve reads only when no other member is in sync.
        this.readMask = rd != 0 ? rd : in;
        this.writeMostlyMask = in & ~rd;
    }

    int slots() {
        return states.length;
    }

    MemberState state(int s) {
        return states[s];
    }

    Path path(int s) {
        return paths[s];
    }

    @Override
    public MemberDevice device(int s) {
        return devices[s];
    }

    MemberSuperblock superblock(int s) {
        return supers[s];
    }

    boolean writeMostly(int s) {
        return supers[s] != null && supers[s].writeMostly;
    }

    int maxDev() {
        return roles.length;
    }

    int role(int devNumber) {
        return roles[devNumber];
    }

    /** Members whose bitmap copy is kept current: every member that takes writes. */
    @Override
    public int copyMask() {
        return writeMask;
    }

    /** The member a sync pass reads from: the lowest in-sync one. */
    int sourceMask() {
        return inSyncMask == 0 ? 0 : Integer.lowestOneBit(inSyncMask);
    }

    boolean degraded() {
        for (MemberState st : states) {
            if (st != MemberState.IN_SYNC) {
                return true;
            }
        }
        return false;
    }

    /** The slot holding {@code p} (by path, or the same file), or -1. */
    int slotOf(Path p) {
        for (int s = 0; s < paths.length; s++) {
            if (paths[s] != null && (paths[s].equals(p) || sameFile(paths[s], p))) {
                return s;
            }
        }
        return -1;
    }

    /** The lowest slot without a member, or -1. */
    int freeSlot() {
        for (int s = 0; s < states.length; s++) {
            if (states[s] == MemberState.MISSING) {
                return s;
            }
        }
        return -1;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return java.nio.file.Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------- transitions (new snapshots)

    /** This set with slot {@code s} in state {@code st}. */
    MemberSet withState(int s, MemberState st) {
        MemberState[] ns = states.clone();
        ns[s] = st;
        return new MemberSet(ns, paths, devices, supers, roles);
    }

    /** This set with member {@code s} failed: faulty, its role recorded faulty. */
    MemberSet withFaulty(int s, int faultyRole) {
        MemberState[] ns = states.clone();
        ns[s] = MemberState.FAULTY;
        int[] nr = roles;
        int dn = supers[s] == null ? -1 : supers[s].devNumber();
        if (dn >= 0 && dn < roles.length) {
            nr = roles.clone();
            nr[dn] = faultyRole;
        }
        return new MemberSet(ns, paths, devices, supers, nr);
    }

    /** This set with slot {@code s} emptied (its device gone). */
    MemberSet withRemoved(int s) {
        MemberState[] ns = states.clone();
        Path[] np = paths.clone();
        MemberDevice[] nd = devices.clone();
        ns[s] = MemberState.MISSING;
        np[s] = null;
        nd[s] = null;
        return new MemberSet(ns, np, nd, supers, roles);
    }

    /** This set with a device joined at slot {@code s}, in state {@code st}. */
    MemberSet withMember(int s, Path path, MemberDevice d, MemberSuperblock sb, MemberState st) {
        MemberState[] ns = states.clone();
        Path[] np = paths.clone();
        MemberDevice[] nd = devices.clone();
        MemberSuperblock[] nsb = supers.clone();
        ns[s] = st;
        np[s] = path;
        nd[s] = d;
        nsb[s] = sb;
        int[] nr = roles;
        int dn = sb.devNumber();
        if (dn < roles.length) {
            nr = roles.clone();
            nr[dn] = s;
        }
        return new MemberSet(ns, np, nd, nsb, nr);
    }

    /** The roles, for a superblock write (a copy). */
    int[] roles() {
        return roles.clone();
    }

    @Override
    public String toString() {
        return Arrays.toString(states);
    }
}
