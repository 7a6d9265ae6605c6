package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;

import io.bitmirror.raid.remote.RemoteMembers;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** {@code detail}: one {@link ArrayStatus} built from the parts, members and sync pass seen together. */
final class StatusReport {
    private final ArrayGeometry g;
    private final Members members;
    private final ArrayMetadata metadata;
    private final Resync resync;
    private final BitmapHolder bitmaps;
    private final boolean readOnly;
    private final BooleanSupplier resyncPending;
    private final Supplier<ArrayStatus.Io> io;
    private final String memberIo;
    private final String cache;
    private final Supplier<List<ArrayStatus.RemoteLink>> links;
    private final java.util.function.IntSupplier writesBehind;

    StatusReport(ArrayGeometry g, Members members, ArrayMetadata metadata, Resync resync, BitmapHolder bitmaps,
            boolean readOnly, BooleanSupplier resyncPending, Supplier<ArrayStatus.Io> io, String memberIo, String cache,
            Supplier<List<ArrayStatus.RemoteLink>> links, java.util.function.IntSupplier writesBehind) {
        this.g = g;
        this.links = links;
        this.writesBehind = writesBehind;
        this.cache = cache;
        this.memberIo = memberIo;
        this.io = io;
        this.readOnly = readOnly;
        this.resyncPending = resyncPending;
        this.members = members;
        this.metadata = metadata;
        this.resync = resync;
        this.bitmaps = bitmaps;
    }

    ArrayStatus status() {
        WriteIntentBitmap bitmap = bitmaps.bitmap();
        List<ArrayStatus.Member> ms = new ArrayList<>();
        String action;
        MemberSet set;
        synchronized (members.lock()) {
            // With the member states: a finished recovery changes both under this lock.
            set = members.current();
            action = resync.action();
        }
        for (int s = 0; s < g.raidDisks(); s++) {
            ms.add(new ArrayStatus.Member(s, set.path(s) == null ? null : RemoteMembers.text(set.path(s)), set.state(s),
                    set.writeMostly(s)));
        }
        boolean pending = resyncPending.getAsBoolean();
        // Read-only: what the superblocks say (mdadm's State of an array not stopped cleanly is
        // active), since this run never marks them either way.
        StringBuilder st = new StringBuilder(metadata.active() || pending ? "active" : "clean");
        if (set.degraded()) {
            st.append(", degraded");
        }
        if (readOnly) {
            st.append(", read-only");
        }
        if (pending) {
            // /proc/mdstat's words for a resync a read-only array holds back.
            st.append(", resync=PENDING");
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
        return new ArrayStatus(AssemblyPlan.hex(g.uuid()), g.name(), g.metadataVersion(), g.sizeBytes(),
                g.raidDisks(), st.toString(), metadata.events(), ms, action, resync.doneSectors(),
                resync.totalSectors(), resync.speedKiB(), bitmap == null ? 0 : bitmap.chunks(),
                bitmap == null ? 0 : bitmap.dirtyChunks(), bitmap == null ? 0 : bitmap.chunkBytes(),
                bitmap == null ? 0 : bitmap.pageWrites(), bitmap == null ? 0 : bitmap.flushEpochs(),
                resync.copiedChunks(), resync.copiedBytes(), resync.mismatchSectors(), io.get(), memberIo,
                cache, links.get(), writesBehind.getAsInt());
    }
}
