package io.bitmirror.faults.crash;

import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.AssemblyPlan;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.internal.ArrayInternals;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks one crash state of one recording:
 * <ul>
 * <li>W1, on the crashed images: two members that would assemble in sync differ only in chunks
 * whose bit is set on disk (in the union of their bitmaps, which is what assembly loads). A
 * chunk that breaks this is reported as W2 when its bit was already set in the bitmap when the
 * last write to it was issued (the write-intent order held, so the bit was cleared too early),
 * else as W1 (the data went out before its bit);
 * <li>W4, on the crashed images: while a member was failed, every chunk written since then still
 * has its bit set on the survivor, so that a re-add can catch up from the bitmap;
 * <li>then the real assemble (with --run), a re-add of any member left out as stale or failed,
 * resync or recovery to the end, and a clean stop;
 * <li>IDENTICAL: the members' data areas are byte-identical;
 * <li>planted corruption (a workload's silent corruption on one member, before assembly): W1 and
 * IDENTICAL allow a difference only in a sector of a planted block that holds the planted bytes
 * on its member and the created bytes on the other, and only until a repair was seen finished
 * (then none);
 * <li>C1: every write the array promised durable at the crash point (returned before a completed
 * flush was issued, or FUA) reads back, sector by sector, or a later write to it; blocks never
 * written read as created.
 * </ul>
 * One checker per worker thread: it owns a directory for the member images.
 */
public final class Checker {
    private static final int SECTOR = 512;
    private static final int BLOCK = WorkloadContext.BLOCK;
    private static final long SYNC_TIMEOUT_MILLIS = 60_000;

    private final Recording r;
    private final Geometry g;
    private final List<Path> files = new ArrayList<>();
    /** Per degraded period: where it is on disk, and the survivor's durable image there. */
    private final long[] degradationPoints;
    private final byte[][] bitsAtFailure;
    /** Per array block, the history writes touching it, in issue order. */
    private final List<List<History.Write>> byBlock;
    /** Planted corruption by array block (empty for most workloads). */
    private final java.util.Map<Integer, History.Planted> planted = new java.util.HashMap<>();

    public Checker(Recording r, Path dir) throws IOException {
        this.r = r;
        this.g = r.geometry();
        Files.createDirectories(dir);
        for (int m = 0; m < r.members(); m++) {
            files.add(dir.resolve("m" + m + ".img"));
        }
        int blocks = (int) (g.arrayBytes() / BLOCK);
        byBlock = new ArrayList<>(blocks);
        for (int b = 0; b < blocks; b++) {
            byBlock.add(null);
        }
        int periods = r.history().degradedPeriods().size();
        degradationPoints = new long[periods];
        bitsAtFailure = new byte[periods][];
        for (int i = 0; i < periods; i++) {
            History.Degraded d = r.history().degradedPeriods().get(i);
            degradationPoints[i] = degradationPoint(d);
            if (degradationPoints[i] > 0) {
                long[][] none = new long[r.members()][0];
                bitsAtFailure[i] = ImageBuilder.build(r, new CrashState(degradationPoints[i], none, none))[d.survivor()];
            }
        }
        for (History.Planted p : r.history().planted()) {
            planted.put((int) (p.offset() / BLOCK), p);
        }
        for (History.Write w : r.history().writes()) {
            for (int i = 0; i < w.data().length / BLOCK; i++) {
                int b = (int) (w.offset() / BLOCK) + i;
                if (byBlock.get(b) == null) {
                    byBlock.set(b, new ArrayList<>());
                }
                byBlock.get(b).add(w);
            }
        }
    }

    /** Checks the state; returns the violations found (empty when it is fine). */
    public List<Violation> check(CrashState s) throws IOException {
        List<Violation> out = new ArrayList<>();
        byte[][] img = ImageBuilder.build(r, s);
        checkW1(s, img, out);
        checkW4(s, img, out);
        for (int m = 0; m < img.length; m++) {
            try (FileChannel ch = FileChannel.open(files.get(m), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(img[m]);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        }
        String failed = assembleAndResync();
        if (failed != null) {
            out.add(violation("ASSEMBLE", s, failed));
            return out;
        }
        byte[][] after = new byte[img.length][];
        for (int m = 0; m < img.length; m++) {
            after[m] = Files.readAllBytes(files.get(m));
        }
        checkIdentical(s, after, out);
        checkC1(s, after[0], out);
        return out;
    }

    private Violation violation(String check, CrashState s, String detail) {
        return new Violation(check, r.workload(), r.seed(), s, detail);
    }

    // ------------------------------------------------------------------ planted corruption

    /**
     * Whether every sector in which {@code x} and {@code y} differ over {@code [arrayOffset,
     * arrayOffset + len)} is planted corruption that nothing has reached yet: a sector of a
     * planted block holding the planted bytes on the member it was planted on and the created
     * bytes on the other. That is the state before any scrub: members differ there with no bit
     * set, by the workload's design, until a repair rewrites it (whole, torn or not at all: a
     * torn rewrite leaves each sector either planted or repaired). Any other difference is the
     * array's.
     */
    private boolean onlyPlanted(byte[] x, byte[] y, long arrayOffset, int len, long k) {
        if (planted.isEmpty()) {
            return false;
        }
        int data = (int) g.dataOffset();
        for (long off = arrayOffset; off < arrayOffset + len; off += SECTOR) {
            int at = data + (int) off;
            if (!Arrays.equals(x, at, at + SECTOR, y, at, at + SECTOR)
                    && !plantedSector(x, y, off, k)) {
                return false;
            }
        }
        return true;
    }

    /** Array byte offset of the first difference not explained by planted corruption, or -1. */
    private int firstUnplantedDifference(byte[] x, byte[] y, long k) {
        int data = (int) g.dataOffset();
        for (long off = 0; off < g.arrayBytes(); off += SECTOR) {
            int at = data + (int) off;
            if (!Arrays.equals(x, at, at + SECTOR, y, at, at + SECTOR) && !plantedSector(x, y, off, k)) {
                return (int) off;
            }
        }
        return -1;
    }

    private boolean plantedSector(byte[] x, byte[] y, long off, long k) {
        int block = (int) (off / BLOCK);
        History.Planted p = planted.get(block);
        if (p == null || r.history().repairedBy(k)) {
            // After a finished repair nothing planted may be left: it rewrote and flushed it all.
            return false;
        }
        // Both sides as before the array ever ran: the planted bytes on the member they were
        // planted on, the created bytes on the other. A client write that reached either member
        // (whose bit was durable first, W1) makes this false, and so does a repair's rewrite.
        // ("Issued before the crash" is not the test: a write whose bit was not yet durable
        // had reached no member.)
        byte[] holder = p.member() == 0 ? x : y;
        byte[] other = p.member() == 0 ? y : x;
        byte[] created = r.base().get(1 - p.member());
        int at = (int) (g.dataOffset() + off);
        int in = (int) (off - p.offset());
        return Arrays.equals(holder, at, at + SECTOR, p.data(), in, in + SECTOR)
                && Arrays.equals(other, at, at + SECTOR, created, at, at + SECTOR);
    }

    // ------------------------------------------------------------------ W1

    private void checkW1(CrashState s, byte[][] img, List<Violation> out) {
        boolean[] inSync = inSync(img);
        int a = -1;
        int b = -1;
        for (int m = 0; m < img.length; m++) {
            if (inSync[m]) {
                if (a < 0) {
                    a = m;
                } else if (b < 0) {
                    b = m;
                }
            }
        }
        if (b < 0) {
            // A member left out is caught up by re-add (recovery), which W4 and IDENTICAL cover.
            return;
        }
        Superblock sa = new Superblock().wrap(ByteBuffer.wrap(img[a]), (int) g.superOffset());
        if (!sa.hasFeature(io.bitmirror.raid.superblock.FeatureMap.BITMAP_OFFSET)) {
            // No internal bitmap at this point (a grow removed it, or has not yet pointed the
            // superblocks at one): assembly trusts no bits, so there is no W1 to check; an
            // unclean array resyncs in full, which IDENTICAL and C1 check.
            return;
        }
        for (long c = 0; c < g.chunks(); c++) {
            long from = g.dataOffset() + c * g.chunkBytes();
            int len = (int) Math.min(g.chunkBytes(), g.arrayBytes() - c * g.chunkBytes());
            if (Arrays.equals(img[a], (int) from, (int) from + len, img[b], (int) from, (int) from + len)
                    || onlyPlanted(img[a], img[b], c * g.chunkBytes(), len, s.crashSeq())) {
                continue;
            }
            if (!g.bitSet(img[a], c) && !g.bitSet(img[b], c)) {
                long issued = firstDataWrite(c, s.crashSeq());
                boolean setWhenIssued = issued > 0 && (durableBitBefore(a, c, issued) || durableBitBefore(b, c, issued));
                out.add(violation(setWhenIssued ? "W2" : "W1", s, "chunk " + c + " differs between m" + a + " and m"
                        + b + " but its bit is clear on disk in both bitmaps" + (setWhenIssued
                        ? " (its bit was durable before the last data write to it, #" + issued + ": cleared too early)"
                        : "")));
                return;
            }
        }
    }

    /**
     * The first member data write (log seq) of the last array write to chunk {@code c} issued
     * before crash point {@code k}; -1 if none.
     */
    private long firstDataWrite(long c, long k) {
        History.Write latest = null;
        for (History.Write w : r.history().writes()) {
            long first = g.chunkOf(w.offset());
            long last = g.chunkOf(w.offset() + w.data().length - 1);
            if (first <= c && c <= last && w.startSeq() < k && (latest == null || w.startSeq() > latest.startSeq())) {
                latest = w;
            }
        }
        if (latest == null) {
            return -1;
        }
        long from = g.dataOffset() + latest.offset();
        long to = from + latest.data().length;
        for (long q = latest.startSeq() + 1; q <= Math.min(k, r.lastSeq()); q++) {
            io.bitmirror.faults.record.LogEntry e = r.entry(q);
            if (e.kind() == io.bitmirror.faults.record.LogEntry.Kind.WRITE && e.position() < to
                    && from < e.position() + e.length()) {
                return q;
            }
        }
        return -1;
    }

    /**
     * Whether chunk {@code c}'s bit was set and durable on {@code member} before log seq {@code seq}:
     * the last bitmap page write completed before it had the bit set and a completed flush (or FUA)
     * covered it. Then the write-intent order held for a data write completed at {@code seq}.
     */
    private boolean durableBitBefore(int member, long c, long seq) {
        long at = g.bitByte(c);
        for (long q = seq - 1; q >= 1; q--) {
            io.bitmirror.faults.record.LogEntry e = r.entry(q);
            if (e.member() == member && e.kind() == io.bitmirror.faults.record.LogEntry.Kind.WRITE && e.position() <= at
                    && at < e.position() + e.length()) {
                boolean set = (e.data()[(int) (at - e.position())] & (1 << (c % 8))) != 0;
                return set && (e.fua() || r.flushedUpTo(member, seq - 1) >= q);
            }
        }
        return g.bitSet(r.base().get(member), c);
    }

    /** Members that assembly would run in sync: the freshest events, and active in the freshest roles. */
    private boolean[] inSync(byte[][] img) {
        Superblock[] sb = new Superblock[img.length];
        int fresh = 0;
        for (int m = 0; m < img.length; m++) {
            sb[m] = new Superblock().wrap(ByteBuffer.wrap(img[m]), (int) g.superOffset());
            if (Long.compareUnsigned(sb[m].events(), sb[fresh].events()) > 0) {
                fresh = m;
            }
        }
        boolean[] in = new boolean[img.length];
        for (int m = 0; m < img.length; m++) {
            int dn = sb[m].devNumber();
            int role = dn < sb[fresh].maxDev() ? sb[fresh].devRole(dn) : SuperblockLayout.ROLE_FAULTY;
            in[m] = sb[m].events() == sb[fresh].events() && role < sb[fresh].raidDisks();
        }
        return in;
    }

    // ------------------------------------------------------------------ W4

    /**
     * W4 at crash point k inside a degraded period: (a) every bit that was durable on the
     * survivor when the failure was recorded is still set; (b) every chunk written since the
     * failure (by a write that returned by k) has its bit set on the survivor.
     */
    private void checkW4(CrashState s, byte[][] img, List<Violation> out) {
        long k = s.crashSeq();
        for (int i = 0; i < r.history().degradedPeriods().size(); i++) {
            History.Degraded d = r.history().degradedPeriods().get(i);
            long point = degradationPoints[i];
            if (point < 0 || k < point || k >= d.untilSeq()) {
                continue;
            }
            byte[] survivor = img[d.survivor()];
            for (long c = 0; c < g.chunks(); c++) {
                if (g.bitSet(bitsAtFailure[i], c) && !g.bitSet(survivor, c)) {
                    out.add(violation("W4", s, "chunk " + c + "'s bit was set on m" + d.survivor() + " when m"
                            + d.failed() + " failed (#" + point + ") and was cleared while degraded"));
                    return;
                }
            }
            for (History.Write w : r.history().writes()) {
                if (w.startSeq() < d.fromSeq() || w.ackSeq() > k) {
                    continue;
                }
                long first = g.chunkOf(w.offset());
                long last = g.chunkOf(w.offset() + w.data().length - 1);
                for (long c = first; c <= last; c++) {
                    if (!g.bitSet(survivor, c)) {
                        out.add(violation("W4", s, "chunk " + c + " was written while m" + d.failed()
                                + " was failed (write returned at #" + w.ackSeq() + ") but its bit is clear on m"
                                + d.survivor() + "'s bitmap"));
                        return;
                    }
                }
            }
        }
    }

    /**
     * The failure is on disk when the survivor's superblock records it: the first superblock
     * write (FUA) to the survivor after fail() was called. Before it the array wrote every dirty
     * bitmap page and flushed (W3: bitmap first), so any clear decided before the failure is
     * durable by then, and none may follow. -1 when the failure never reached the disk.
     */
    private long degradationPoint(History.Degraded d) {
        for (long seq = d.fromSeq() + 1; seq <= r.lastSeq(); seq++) {
            io.bitmirror.faults.record.LogEntry e = r.entry(seq);
            if (e.member() == d.survivor() && e.isWrite() && e.fua() && e.position() == g.superOffset()) {
                return seq;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ assemble, resync

    /** Assembles, re-adds what was left out, waits for resync/recovery, stops. Null, or why it failed. */
    private String assembleAndResync() {
        RaidArray a;
        AssemblyPlan plan;
        try {
            // The plan first (it only reads): which members assembly will leave out as stale.
            plan = AssemblyPlan.of(files, true);
            a = RaidArray.assemble(AssembleOptions.builder(files).run(true).minSpeedKiB(1).maxSpeedKiB(0).build());
        } catch (IOException | RuntimeException e) {
            return "assemble failed: " + e.getMessage();
        }
        try {
            if (!a.awaitSyncIdle(SYNC_TIMEOUT_MILLIS)) {
                return "resync did not finish in " + SYNC_TIMEOUT_MILLIS + " ms";
            }
            for (AssemblyPlan.Found f : plan.stale()) {
                a.reAdd(f.path());
                if (!a.awaitSyncIdle(SYNC_TIMEOUT_MILLIS)) {
                    return "recovery of " + f.path().getFileName() + " did not finish";
                }
            }
            if (a.status().degraded()) {
                return "still degraded after re-add: " + a.status().state();
            }
            a.stop();
            return null;
        } catch (IOException | RuntimeException e) {
            ArrayInternals.abandon(a);
            return "resync/re-add failed: " + e;
        }
    }

    // ------------------------------------------------------------------ IDENTICAL, C1

    private void checkIdentical(CrashState s, byte[][] after, List<Violation> out) {
        int from = (int) g.dataOffset();
        int to = (int) (g.dataOffset() + g.arrayBytes());
        for (int m = 1; m < after.length; m++) {
            int at = Arrays.mismatch(Arrays.copyOfRange(after[0], from, to), Arrays.copyOfRange(after[m], from, to));
            if (at >= 0 && !planted.isEmpty()) {
                at = firstUnplantedDifference(after[0], after[m], s.crashSeq());
            }
            if (at >= 0) {
                out.add(violation("IDENTICAL", s, "after resync m0 and m" + m + " differ at array offset " + at
                        + " (chunk " + g.chunkOf(at) + ")"));
                return;
            }
        }
    }

    private void checkC1(CrashState s, byte[] image, List<Violation> out) {
        long k = s.crashSeq();
        long barrier = r.history().durableBarrier(k);
        byte[] base = r.base().get(0);
        int data = (int) g.dataOffset();
        for (int b = 0; b < byBlock.size(); b++) {
            int at = data + b * BLOCK;
            List<History.Write> ws = byBlock.get(b);
            if (ws == null) {
                if (!Arrays.equals(image, at, at + BLOCK, base, at, at + BLOCK)) {
                    out.add(violation("C1", s, "block " + b + " was never written but changed"));
                    return;
                }
                continue;
            }
            int durable = -1;
            for (int i = 0; i < ws.size(); i++) {
                if (History.promised(ws.get(i), k, barrier)) {
                    durable = i;
                }
            }
            for (int sec = 0; sec < BLOCK; sec += SECTOR) {
                if (!sectorAccepted(image, at + sec, b, sec, ws, durable, k, base)) {
                    String what = durable < 0 ? "its created contents" : "the write that returned at #"
                            + ws.get(durable).ackSeq() + (ws.get(durable).fua() ? " (FUA)" : " before a flush");
                    out.add(violation("C1", s, "array block " + b + " sector " + sec / SECTOR + " lost " + what));
                    return;
                }
            }
        }
    }

    /** The sector holds the promised version, or a version written later (issued before the crash). */
    private boolean sectorAccepted(byte[] image, int at, int block, int sec, List<History.Write> ws, int durable,
            long k, byte[] base) {
        if (durable < 0) {
            if (Arrays.equals(image, at, at + SECTOR, base, at, at + SECTOR)) {
                return true;
            }
        }
        for (int i = Math.max(durable, 0); i < ws.size(); i++) {
            History.Write w = ws.get(i);
            if (i > durable && w.startSeq() >= k) {
                break;
            }
            int off = (int) ((long) block * BLOCK - w.offset()) + sec;
            if (Arrays.equals(image, at, at + SECTOR, w.data(), off, off + SECTOR)) {
                return true;
            }
        }
        return false;
    }
}
