package io.bitmirror.bitmap.engine;

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
 * Model-based test: random sequences of start/end write, start/end/close sync, member flushes,
 * degrade/undegrade, daemon passes, events updates and injected store failures, against a small
 * reference model; W1, W2, W4 and W6 are checked after every step.
 *
 * <p>{@code -Dseed=N} replays one sequence; {@code -Dmodel.sequences=N} changes how many run
 * (default 2000). {@code -Dbitmirror.mutant=W1|W2|W4|W6} runs them against a broken engine.
 */
class BitmapModelTest {
    static final byte[] UUID = WriteIntentBitmapTest.UUID;
    static final long[] SIZES = {8, 64, 300, 31_000, 70_000};

    @TestFactory
    Stream<DynamicTest> randomSequences() {
        String seed = System.getProperty("seed", "").trim();
        LongStream seeds = seed.isEmpty()
                ? LongStream.rangeClosed(1, Long.getLong("model.sequences", 2000))
                : LongStream.of(Long.parseLong(seed));
        return seeds.mapToObj(s -> DynamicTest.dynamicTest("seed " + s, () -> runSequence(s)));
    }

    /** One write in flight in the model. */
    record Write(long first, long last) {
    }

    static void runSequence(long seed) throws Exception {
        try {
            new Sequence(seed).run();
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + " (replay with -Dseed=" + seed + "): " + e.getMessage(), e);
        }
    }

    static final class Sequence {
        final long seed;
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

        Sequence(long seed) {
            this.seed = seed;
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
                    BitmapEngineOptions.defaults().startDaemon(false));
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
            boolean errorBefore = bm.writeError();
            boolean degradedBefore = degraded;
            int op = rnd.nextInt(100);
            if (op < 22 && writes.size() < 6) {
                long f = pick();
                long l = Math.min(chunks - 1, f + rnd.nextInt(3));
                trace.add("startWrite(" + f + "," + l + ")");
                bm.startWrite(f, l);
                // W1: the data write may go out now, so the bits must be durable in every copy.
                for (long c = f; c <= l; c++) {
                    if (!store.durableInEveryCopy(c) && !bm.writeError()) {
                        fail("W1: startWrite returned before chunk " + c + " was durable in every copy");
                    }
                    inflight[(int) c]++;
                }
                writes.add(new Write(f, l));
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
            bm.flushNow();
            check(errorBefore, degradedBefore);
        }

        void check(boolean errorBefore, boolean degradedBefore) {
            byte[][] now = durable();
            for (int copy = 0; copy < now.length; copy++) {
                byte[] a = prevDurable[copy];
                byte[] b = now[copy];
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
            if (!bm.writeError()) {
                // No mark lost: every chunk with a write in flight is still durable (W1 kept).
                for (Write w : writes) {
                    for (long c = w.first; c <= w.last; c++) {
                        if (!store.durableInEveryCopy(c)) {
                            fail("W2: chunk " + c + " has a write in flight but its bit is not durable");
                        }
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
            for (Write w : writes) {
                bm.endWrite(w.first, w.last, true);
            }
        }

        static BitmapSuperblock sb(byte[] image) {
            return new BitmapSuperblock().wrap(ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN), 0);
        }
    }
}
