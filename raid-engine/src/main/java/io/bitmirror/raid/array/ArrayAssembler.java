package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.BitmapEngineOptions;
import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.bitmap.InternalBitmapStore;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockValidator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code assemble}: validates every member first (nothing is written unless the whole array
 * validated, B1), opens the in-sync members exclusively, builds the first member snapshot, loads
 * the bitmap (its store writes to the snapshot's members and fails them through
 * {@link Members}), and hands the parts to a new {@link RaidArray}.
 */
final class ArrayAssembler {
    private static final Logger LOG = LoggerFactory.getLogger(ArrayAssembler.class);

    private ArrayAssembler() {
    }

    static RaidArray assemble(AssembleOptions opts) throws ArrayException {
        try {
            return open(opts);
        } catch (ArrayException e) {
            throw e;
        } catch (IOException e) {
            throw new ArrayException(e.getMessage(), e);
        }
    }

    private static RaidArray open(AssembleOptions opts) throws IOException {
        AssemblyPlan plan = AssemblyPlan.of(opts.devices(), opts.run());
        Superblock f = plan.freshest().superblock();
        int raidDisks = f.raidDisks();
        boolean internal = f.hasFeature(FeatureMap.BITMAP_OFFSET);
        if (internal && opts.externalBitmap() != null) {
            throw new ArrayException("the array has an internal bitmap; an external bitmap file cannot be used with it");
        }
        List<MemberDevice> opened = new ArrayList<>();
        WriteIntentBitmap bitmap = null;
        try {
            MemberState[] states = new MemberState[raidDisks];
            Arrays.fill(states, MemberState.MISSING);
            Path[] paths = new Path[raidDisks];
            MemberDevice[] devices = new MemberDevice[raidDisks];
            MemberSuperblock[] supers = new MemberSuperblock[raidDisks];
            for (AssemblyPlan.Found found : plan.inSync()) {
                MemberDevice d = opts.opener().open(found.path());
                opened.add(d);
                int s = found.slot();
                devices[s] = d;
                paths[s] = found.path();
                supers[s] = MemberSuperblock.of(found.metadata());
                states[s] = MemberState.IN_SYNC;
            }
            int[] roles = new int[f.maxDev()];
            for (int i = 0; i < roles.length; i++) {
                roles[i] = f.devRole(i);
            }
            Members members = new Members(f.setName(), new MemberSet(states, paths, devices, supers, roles));
            boolean unclean = !f.isClean();
            BitmapStore store = null;
            if (internal) {
                Superblock sb = plan.inSync().get(0).sb();
                long start = (sb.superOffset() + sb.bitmapOffset()) * 512;
                store = new InternalBitmapStore(members::current, start, SuperblockValidator.bitmapRoomBytes(sb),
                        members::bitmapCopyFailed, opts.memberIo(), opts.memberTimeoutMillis(), "md-" + f.setName() + "-bitmap");
            } else if (opts.externalBitmap() != null) {
                store = opts.externalBitmap().open(f.setUuid(), f.size());
            }
            if (store != null && opts.readOnly()) {
                // The last guard: the engine writes nothing when read-only, and should a write
                // get that far anyway, it fails here instead of reaching a member or the file.
                store = new ReadOnlyBitmapStore(store);
            }
            PowerCutStore cuttable = store == null ? null : new PowerCutStore(store);
            if (store != null) {
                BitmapEngineOptions eo = io.bitmirror.bitmap.engine.internal.EngineInternals.withMutant(
                        BitmapEngineOptions.defaults().startDaemon(true).readOnly(opts.readOnly())
                                .storeTimeoutNanos(opts.bitmapStoreTimeoutNanos()), opts.mutant());
                if (opts.daemonSleepMillis() >= 0) {
                    eo = eo.daemonSleepMillis(opts.daemonSleepMillis());
                }
                try {
                    bitmap = WriteIntentBitmap.load(cuttable, f.setUuid(), f.events(), unclean, eo);
                } catch (MdFormatException e) {
                    throw new ArrayException("bitmap: " + e.getMessage(), e);
                }
                if (bitmap.loadReason() != null) {
                    LOG.warn("{}: {}", f.setName(), bitmap.loadReason());
                }
            }
            ArrayGeometry g = new ArrayGeometry(f.setUuid(), f.setName(), plan.freshest().version().label(),
                    f.size() * 512, raidDisks, bitmap != null ? bitmap.chunkBytes() : ArrayGeometry.NO_BITMAP_UNIT);
            BitmapHolder.Active active = bitmap == null ? BitmapHolder.Active.NONE
                    : new BitmapHolder.Active(bitmap, cuttable, bitmap.chunkBytes(), internal ? f.bitmapOffset() : 0);
            RaidArray a = new RaidArray(g, opts, f.events(), members, active);
            // Before the first write: every write from now on is tracked.
            a.changes().loadAll();
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
}
