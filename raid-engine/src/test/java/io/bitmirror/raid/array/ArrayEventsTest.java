package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.metadata.TestArrays;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The array's events as mdadm's monitor names them, on real member files: Fail on manage --fail,
 * the Rebuild events and SpareActive of a recovery, DeviceDisappeared on stop, DegradedArray when
 * an array is first seen degraded, and the bounded queue (EventsLost; a listener that never
 * returns stalls neither writes nor the sync thread).
 */
class ArrayEventsTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    private List<Path> create() throws Exception {
        return TestArrays.cleanMirror(dir, 2, 16L << 20, CHUNK, "ev");
    }

    /** Collects events; {@link #next} waits for the next one. */
    static final class Recorder implements ArrayEventListener {
        final LinkedBlockingQueue<ArrayEvent> q = new LinkedBlockingQueue<>();

        @Override
        public void onEvent(ArrayEvent e) {
            q.add(e);
        }

        ArrayEvent next() throws InterruptedException {
            ArrayEvent e = q.poll(30, TimeUnit.SECONDS);
            assertNotNull(e, "no event within 30 s");
            return e;
        }

        /** The next events' names, {@code n} of them. */
        List<String> names(int n) throws InterruptedException {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(next().event());
            }
            return out;
        }
    }

    private static void writeChunks(RaidArray a, int from, int n) throws Exception {
        for (int c = from; c < from + n; c++) {
            a.write((long) c * CHUNK, ByteBuffer.wrap(new byte[8192]), false);
        }
    }

    private static final List<String> RECOVERY = List.of("RebuildStarted", "Rebuild20", "Rebuild40", "Rebuild60",
            "Rebuild80", "RebuildFinished", "SpareActive");

    @Test
    void failThenReAddThenStop() throws Exception {
        List<Path> m = create();
        Recorder r = new Recorder();
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).listener(r).build());
        ArrayEvent first = r.next();
        assertEquals("NewArray", first.event());
        assertEquals("h:ev", first.array());
        assertEquals(AssemblyPlan.hex(a.uuid()), first.uuid());
        assertNull(first.device());

        a.fail(m.get(1));
        ArrayEvent fail = r.next();
        assertEquals("Fail", fail.event());
        assertEquals(m.get(1), fail.device());
        // mdadm raises DegradedArray only for an array it first sees degraded, not on a failure:
        // a new subscriber is told, the old one is not.
        Recorder late = new Recorder();
        ArrayEventSubscription lateSub = a.subscribe(late);
        assertEquals("DegradedArray", late.next().event());

        a.remove(m.get(1));
        writeChunks(a, 0, 10);
        a.reAdd(m.get(1));
        assertTrue(a.awaitSyncIdle(30_000));
        List<ArrayEvent> rec = new ArrayList<>();
        for (int i = 0; i < RECOVERY.size(); i++) {
            rec.add(r.next());
        }
        assertEquals(RECOVERY, rec.stream().map(ArrayEvent::event).toList());
        assertEquals("recovery", rec.get(0).action());
        assertEquals(40, rec.get(2).percent());
        assertEquals(100, rec.get(5).percent());
        assertEquals(m.get(1), rec.get(6).device());
        assertEquals(RECOVERY, late.names(RECOVERY.size()));
        assertNull(r.q.poll(200, TimeUnit.MILLISECONDS), "nothing else: the failure raised no DegradedArray");

        a.stop();
        assertEquals("DeviceDisappeared", r.next().event());
        assertEquals("DeviceDisappeared", late.next().event());
        assertTrue(lateSub.awaitDone(5_000), "delivery ends after DeviceDisappeared");
        assertThrows(io.bitmirror.raid.ArrayException.class, () -> a.subscribe(new Recorder()));
    }

    @Test
    void addedDeviceRecoveredInFull() throws Exception {
        List<Path> m = create();
        Path fresh = TestArrays.files(java.nio.file.Files.createDirectory(dir.resolve("spare")), 1, 16L << 20).get(0);
        RaidArray a = RaidArray.assemble(AssembleOptions.of(m));
        Recorder r = new Recorder();
        a.subscribe(r);
        a.fail(m.get(1));
        a.remove(m.get(1));
        assertEquals("Fail", r.next().event());
        a.add(fresh);
        assertTrue(a.awaitSyncIdle(60_000));
        assertEquals(RECOVERY, r.names(RECOVERY.size()));
        a.stop();
        assertEquals("DeviceDisappeared", r.next().event());
    }

    @Test
    void degradedAssemblyAndCheck() throws Exception {
        List<Path> m = create();

        RaidArray b = RaidArray.assemble(AssembleOptions.builder(m).run(true).build());
        Recorder c = new Recorder();
        b.subscribe(c);
        b.syncAction("check");
        assertTrue(b.awaitSyncIdle(30_000));
        ArrayEvent started = c.next();
        assertEquals("RebuildStarted", started.event());
        assertEquals("check", started.action());
        List<String> rest = c.names(5);
        assertEquals(List.of("Rebuild20", "Rebuild40", "Rebuild60", "Rebuild80", "RebuildFinished"), rest);
        b.stop();

        Recorder r = new Recorder();
        RaidArray a = RaidArray.assemble(AssembleOptions.builder(m.subList(0, 1)).run(true).listener(r).build());
        assertEquals(List.of("NewArray", "DegradedArray"), r.names(2));
        a.stop();
        assertEquals("DeviceDisappeared", r.next().event());
    }

    @Test
    void fullQueueDropsAndCountsThenSaysSo() throws Exception {
        List<Path> m = create();
        RaidArray a = RaidArray.assemble(AssembleOptions.of(m));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Recorder r = new Recorder();
        a.subscribe(e -> {
            r.onEvent(e);
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }, 2);
        a.fail(m.get(1));
        assertTrue(inside.await(10, TimeUnit.SECONDS), "Fail is being delivered");
        a.remove(m.get(1));
        writeChunks(a, 0, 10);
        // Seven events while the listener holds Fail: two fit the queue, five are dropped.
        a.reAdd(m.get(1));
        assertTrue(a.awaitSyncIdle(30_000), "the sync thread is not held up by the listener");
        release.countDown();
        assertEquals("Fail", r.next().event());
        assertEquals("RebuildStarted", r.next().event());
        assertEquals("Rebuild20", r.next().event());
        ArrayEvent lost = r.next();
        assertEquals("EventsLost", lost.event());
        assertEquals(5, lost.lost());
        a.stop();
        assertEquals("DeviceDisappeared", r.next().event());
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void listenerThatNeverReturnsStallsNeitherWritesNorTheSyncThread() throws Exception {
        List<Path> m = create();
        RaidArray a = RaidArray.assemble(AssembleOptions.of(m));
        CountDownLatch never = new CountDownLatch(1);
        for (int i = 0; i < 3; i++) {
            a.subscribe(e -> {
                try {
                    never.await();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }, 2);
        }
        try {
            long t0 = System.nanoTime();
            for (int round = 0; round < 5; round++) {
                a.fail(m.get(1));
                a.remove(m.get(1));
                writeChunks(a, round * 20, 20);
                a.reAdd(m.get(1));
                writeChunks(a, 100 + round * 20, 20);
                assertTrue(a.awaitSyncIdle(20_000), "recovery " + round + " finished");
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "five rounds well within 30 s");
            a.stop();
            assertFalse(a.status().degraded());
        } finally {
            never.countDown();
        }
    }
}
