package io.bitmirror.bitmap.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.bitmirror.bitmap.format.BitmapSuperblock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Model-based test: random sequences of start/end write, start/end/close sync, member flushes
 * (the caller's, and in half the sequences the daemon's own through a {@link MemberFlush}),
 * degrade/undegrade, daemon passes, events updates and injected store failures, against a small
 * reference model. The engine's threads run on their own between steps (the store completes page
 * writes late; nothing waits for the flusher unless the step does), so asynchronous states are
 * checked too. W1, W2, W4 and W6 are checked after every step, also after injected store faults
 * (only a write released by a commit that met a fault is exempt, as md's bitmap is then kicked);
 * at the end L1: once the array is idle, not degraded and resynced, two daemon passes leave no
 * bit set on disk.
 *
 * <p>{@code -Dseed=N} replays one sequence; {@code -Dmodel.sequences=N} changes how many run
 * (default 2000). {@code -Dbitmirror.mutant=W1|W2|W4|W6|L1} (read here, by the test: the engine
 * itself reads no property) runs them against a broken engine; {@link #everyMutantIsCaughtWithItsKind}
 * does that for each mutant in every build.
 */
class BitmapModelTest {
    static final byte[] UUID = WriteIntentBitmapTest.UUID;
    static final long[] SIZES = {8, 64, 300, 31_000, 70_000};
    /**
     * Sequences each mutant gets at least in {@link #everyMutantIsCaughtWithItsKind}; one whose
     * bug shows only with thread timing (W6: a bit change while the page write is pending) may
     * go on up to {@link #MUTANT_SEQUENCES_MAX} until its kind appears.
     */
    static final int MUTANT_SEQUENCES = 300;
    static final int MUTANT_SEQUENCES_MAX = 3000;

    static Mutant mutantFromProperty() {
        String v = System.getProperty("bitmirror.mutant", "").trim();
        return v.isEmpty() ? Mutant.NONE : Mutant.valueOf(v.toUpperCase(java.util.Locale.ROOT));
    }

    @TestFactory
    Stream<DynamicTest> randomSequences() {
        String seed = System.getProperty("seed", "").trim();
        LongStream seeds = seed.isEmpty()
                ? LongStream.rangeClosed(1, Long.getLong("model.sequences", 2000))
                : LongStream.of(Long.parseLong(seed));
        return seeds.mapToObj(s -> DynamicTest.dynamicTest("seed " + s, () -> runSequence(s)));
    }

    /**
     * Each mutant run over the first {@value #MUTANT_SEQUENCES} sequences (more, up to
     * {@value #MUTANT_SEQUENCES_MAX}, until its kind shows) must produce the violation it exists
     * for (its kind, not just any failure).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Mutant.class, names = {"W1", "W2", "W4", "W6", "L1"})
    void everyMutantIsCaughtWithItsKind(Mutant m) throws Exception {
        java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();
        java.util.Map<String, String> firstOfKind = new java.util.TreeMap<>();
        String first = null;
        long seed = 1;
        for (; seed <= MUTANT_SEQUENCES || (first == null && seed <= MUTANT_SEQUENCES_MAX); seed++) {
            try {
                new Sequence(seed, m).run();
            } catch (AssertionError e) {
                String msg = e.getMessage();
                int colon = msg.indexOf(':');
                String kind = colon > 0 && colon < 8 ? msg.substring(0, colon) : "other";
                kinds.merge(kind, 1, Integer::sum);
                firstOfKind.putIfAbsent(kind, "seed " + seed + ": " + msg);
                if (first == null && kind.equals(m.name())) {
                    first = "seed " + seed + ": " + msg.lines().findFirst().orElse("");
                }
            }
        }
        System.out.printf("model mutant %s: %d sequences, violations by kind %s; first of its kind: %s%n", m,
                seed - 1, kinds, first);
        for (java.util.Map.Entry<String, String> e : firstOfKind.entrySet()) {
            if (!e.getKey().equals(m.name())) {
                System.out.printf("model mutant %s: also %s%n", m, e.getValue());
            }
        }
        assertTrue(kinds.getOrDefault(m.name(), 0) > 0, "mutant " + m + " produced no " + m + " violation in "
                + (seed - 1) + " sequences (found " + kinds + ")");
    }

    /** One write in flight in the model; {@code unprotected}: released by a commit that met a store fault. */
    record Write(long first, long last, boolean unprotected) {
    }

    static void runSequence(long seed) throws Exception {
        try {
            new Sequence(seed, mutantFromProperty()).run();
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + " (replay with -Dseed=" + seed + "): " + e.getMessage(), e);
        }
    }

    static final class Sequence {
        final long seed;
        final Mutant mutant;
        final SplittableRandom rnd;
        final long chunks;
        CheckingStore store;
        WriteIntentBitmap bm;
        // The reference model.
        int[] inflight;
        long[] lastCompletion;
        boolean[] needed;
        boolean[] resync;
        boolean degraded;
        long flushedTicketStep = -1;
        final List<long[]> tickets = new ArrayList<>();
        final List<Write> writes = new ArrayList<>();
        long[] interesting;
        long events = 10;
        long step;
        byte[][] prevDurable;
        final List<String> trace = new ArrayList<>();

        Sequence(long seed, Mutant mutant) {
            this.seed = seed;
            this.mutant = mutant;
            this.rnd = new SplittableRandom(seed);
            this.chunks = SIZES[rnd.nextInt(SIZES.length)];
        }

        void run() throws Exception {
            int copies = 1 + rnd.nextInt(2);
            boolean async = rnd.nextBoolean();
            boolean allDirty = rnd.nextInt(4) == 0;
            boolean unclean = rnd.nextBoolean();
            store = new CheckingStore(io.bitmirror.bitmap.format.BitmapGeometry.roundedBytes(chunks, 4096), copies,
                    async, seed);
            WriteIntentBitmap.format(store, UUID, chunks * 128, 65536, 5, 0, events, allDirty);
            bm = WriteIntentBitmap.load(store, UUID, events, unclean,
                    BitmapEngineOptions.defaults().startDaemon(false).mutant(mutant));
            if (rnd.nextBoolean()) {
                daemonFlushesMembers();
            }
            inflight = new int[(int) chunks];
            lastCompletion = new long[(int) chunks];
            java.util.Arrays.fill(lastCompletion, -1);
            needed = new boolean[(int) chunks];
            resync = new boolean[(int) chunks];
            if (allDirty && unclean) {
                java.util.Arrays.fill(needed, true);
            }
            interesting = new long[1 + rnd.nextInt(6)];
            for (int i = 0; i < interesting.length; i++) {
                interesting[i] = i == 0 ? chunks - 1 : rnd.nextLong(chunks);
            }
            prevDurable = durable();
            try {
                int steps = 20 + rnd.nextInt(60);
                for (step = 0; step < steps; step++) {
                    step();
                }
                finish();
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n  trace: " + String.join("; ", trace), e);
            } finally {
                bm.close();
                store.close();
            }
        }

        /** The daemon flushes "the members" itself when it must (what RaidArray gives it). */
        void daemonFlushesMembers() {
            bm.memberFlush(() -> {
                long t = bm.flushTicket();
                bm.membersFlushed(t);
                trace.add("daemon flushed members (ticket " + t + ")");
                flushedTicketStep = Math.max(flushedTicketStep, step);
            });
        }

        byte[][] durable() {
            byte[][] d = new byte[store.copies()][];
            for (int c = 0; c < d.length; c++) {
                d[c] = store.durableImage(c);
            }
            return d;
        }

        long pick() {
            return interesting[rnd.nextInt(interesting.length)];
        }

        void step() {
            boolean degradedBefore = degraded;
            long faultsBefore = store.delivered();
            int op = rnd.nextInt(100);
            if (op < 22 && writes.size() < 6) {
                long f = pick();
                long l = Math.min(chunks - 1, f + rnd.nextInt(3));
                trace.add("startWrite(" + f + "," + l + ")");
                long failedBefore = bm.failedCommits();
                bm.startWrite(f, l);
                // W1: the data write may go out now, so the bits must be durable in every copy;
                // also in write-error state, unless the commit that released us met a fault
                // (the store did not take the write: md kicks the bitmap then, and so do we).
                // A fault may also reach the store just before this call, in a commit still
                // running that this call then waits for: a failed commit that ends during the
                // call counts as the one that released it.
                boolean unprotected = store.delivered() != faultsBefore || bm.failedCommits() != failedBefore;
                for (long c = f; c <= l; c++) {
                    if (!unprotected && !store.durableInEveryCopy(c)) {
                        fail("W1: startWrite returned before chunk " + c + " was durable in every copy"
                                + (bm.writeError() ? " (write-error state, no fault met by this commit)" : ""));
                    }
                    inflight[(int) c]++;
                }
                if (unprotected) {
                    trace.add("(released by a failed commit)");
                }
                writes.add(new Write(f, l, unprotected));
            } else if (op < 40 && !writes.isEmpty()) {
                Write w = writes.remove(rnd.nextInt(writes.size()));
                boolean ok = rnd.nextInt(8) != 0;
                trace.add("endWrite(" + w.first + "," + w.last + "," + ok + ")");
                bm.endWrite(w.first, w.last, ok);
                for (long c = w.first; c <= w.last; c++) {
                    inflight[(int) c]--;
                    lastCompletion[(int) c] = step;
                    if (!ok || degraded) {
                        needed[(int) c] = true;
                    }
                }
            } else if (op < 47) {
                long c = pick();
                trace.add("startSync(" + c + ")");
                boolean expect = needed[(int) c] || resync[(int) c];
                boolean got = bm.startSync(c);
                if (got != expect) {
                    fail("startSync(" + c + ") returned " + got + ", model says " + expect);
                }
                // Already RESYNC: nothing changes (a write that failed during the resync keeps
                // its NEEDED mark for the next pass, as md does).
                if (!resync[(int) c] && needed[(int) c] && !degraded) {
                    needed[(int) c] = false;
                    resync[(int) c] = true;
                }
            } else if (op < 53) {
                long c = pick();
                if (resync[(int) c]) {
                    boolean aborted = rnd.nextInt(3) == 0;
                    trace.add("endSync(" + c + "," + aborted + ")");
                    bm.endSync(c, aborted);
                    resync[(int) c] = false;
                    if (aborted) {
                        needed[(int) c] = true;
                    } else {
                        // The resync wrote the chunk: members must be flushed after this too.
                        lastCompletion[(int) c] = step;
                    }
                }
            } else if (op < 55) {
                trace.add("closeSync");
                bm.closeSync();
                for (int c = 0; c < chunks; c++) {
                    if (resync[c]) {
                        resync[c] = false;
                        needed[c] = true;
                    }
                }
            } else if (op < 63) {
                long t = bm.flushTicket();
                trace.add("flushTicket=" + t);
                tickets.add(new long[] {t, step});
            } else if (op < 71 && !tickets.isEmpty()) {
                long[] t = tickets.remove(rnd.nextInt(tickets.size()));
                trace.add("membersFlushed(" + t[0] + ")");
                bm.membersFlushed(t[0]);
                flushedTicketStep = Math.max(flushedTicketStep, t[1]);
            } else if (op < 75) {
                degraded = !degraded;
                trace.add("setDegraded(" + degraded + ")");
                bm.setDegraded(degraded);
                if (degraded) {
                    // As the array does when a member fails: the failure goes to the superblocks,
                    // bitmap first (W3), so a clear decided before it is on disk before it.
                    events++;
                    bm.setEvents(events);
                    bm.writeSuperblockNow();
                }
            } else if (op < 92) {
                trace.add("daemonTick");
                bm.daemonTick();
            } else if (op < 95) {
                int n = 1 + rnd.nextInt(2);
                if (rnd.nextBoolean()) {
                    trace.add("failNextWrites(" + n + ")");
                    store.failNextWrites(n);
                } else {
                    trace.add("failFlushes(1)");
                    store.failFlushes(1);
                }
            } else {
                events++;
                trace.add("setEvents(" + events + ")");
                bm.setEvents(events);
                if (bm.writeSuperblockNow() && sb(store.durableImage(0)).events() != events) {
                    fail("W3: writeSuperblockNow returned but events " + events + " are not durable");
                }
            }
            if (rnd.nextInt(4) == 0) {
                // Only sometimes: between steps the flusher and the store's completions run on
                // their own, and the checks must hold in those in-between states too.
                trace.add("flushNow");
                bm.flushNow();
            }
            check(degradedBefore);
        }

        void check(boolean degradedBefore) {
            byte[][] now = durable();
            for (int copy = 0; copy < now.length; copy++) {
                byte[] a = prevDurable[copy];
                byte[] b = now[copy];
                if (sb(b).isStale()) {
                    // W3: a stale bitmap counts as all dirty, whatever its bits say (a clear
                    // decided before a write error may reach the disk with the stale flag).
                    continue;
                }
                int from = 256;
                for (;;) {
                    int m = java.util.Arrays.mismatch(a, from, a.length, b, from, b.length);
                    if (m < 0) {
                        break;
                    }
                    int at = from + m;
                    int cleared = a[at] & ~b[at] & 0xff;
                    for (int bit = 0; bit < 8; bit++) {
                        if ((cleared & (1 << bit)) != 0) {
                            checkClear((long) (at - 256) * 8 + bit, degradedBefore);
                        }
                    }
                    from = at + 1;
                }
            }
            // No mark lost: every chunk with a write in flight is still durable (W1 kept), in
            // write-error state too; only writes released by a failed commit are exempt.
            for (Write w : writes) {
                for (long c = w.first; c <= w.last && !w.unprotected; c++) {
                    if (!store.durableInEveryCopy(c)) {
                        fail("W2: chunk " + c + " has a write in flight but its bit is not durable");
                    }
                }
            }
            if (store.w6Violation != null) {
                fail(store.w6Violation);
            }
            prevDurable = now;
        }

        void checkClear(long c, boolean degradedBefore) {
            if (c >= chunks) {
                fail("bit " + c + " past the last chunk changed");
            }
            int i = (int) c;
            String where = "chunk " + c + " cleared on disk at step " + step;
            if (inflight[i] > 0) {
                fail("W2: " + where + " with " + inflight[i] + " writes in flight");
            }
            if (needed[i] || resync[i]) {
                fail("W4: " + where + " while NEEDED/RESYNC (a mark was lost)");
            }
            if (lastCompletion[i] >= 0 && flushedTicketStep <= lastCompletion[i]) {
                fail("W2: " + where + ": last write completed at step " + lastCompletion[i]
                        + " but the latest member flush was ticketed at step " + flushedTicketStep);
            }
            if (degraded && degradedBefore) {
                fail("W4: " + where + " while degraded");
            }
        }

        void finish() {
            store.heal();
            if (bm.writeError()) {
                bm.flushNow();
                if (!sb(store.durableImage(0)).isStale()) {
                    fail("write error but the stale flag never reached the disk");
                }
            }
            // L1: the array goes idle and whole: the member is back, the writes end, what they
            // left NEEDED is resynced. A bitmap in write-error state is never cleared again (md),
            // its stale flag (checked above) stands for every bit.
            if (degraded) {
                degraded = false;
                trace.add("setDegraded(false)");
                bm.setDegraded(false);
            }
            for (Write w : writes) {
                trace.add("endWrite(" + w.first + "," + w.last + ",true)");
                bm.endWrite(w.first, w.last, true);
                for (long c = w.first; c <= w.last; c++) {
                    inflight[(int) c]--;
                    lastCompletion[(int) c] = step;
                }
            }
            writes.clear();
            if (bm.writeError()) {
                return;
            }
            for (int c = 0; c < chunks; c++) {
                if (resync[c]) {
                    // Ends the pass that was running; a write that failed during it left NEEDED.
                    bm.endSync(c);
                    resync[c] = false;
                    lastCompletion[c] = step;
                }
                if (needed[c]) {
                    if (!bm.startSync(c)) {
                        fail("startSync(" + c + ") refused a chunk the model says is NEEDED");
                    }
                    bm.endSync(c);
                    needed[c] = false;
                    lastCompletion[c] = step;
                }
            }
            trace.add("idle: resynced, two daemon passes");
            step++;
            daemonFlushesMembers();
            bm.daemonTick();
            bm.daemonTick();
            bm.flushNow();
            check(false);
            byte[][] now = durable();
            for (int copy = 0; copy < now.length; copy++) {
                long dirty = io.bitmirror.bitmap.format.BitmapBits.countDirty(
                        ByteBuffer.wrap(now[copy]).order(ByteOrder.LITTLE_ENDIAN), 256, chunks);
                if (dirty != 0) {
                    fail("L1: " + dirty + " chunks still dirty on disk in copy " + copy
                            + " after two daemon passes with the array idle, whole and resynced");
                }
            }
        }

        static BitmapSuperblock sb(byte[] image) {
            return new BitmapSuperblock().wrap(ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN), 0);
        }
    }
}
