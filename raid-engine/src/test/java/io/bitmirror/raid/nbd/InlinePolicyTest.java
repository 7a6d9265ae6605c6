package io.bitmirror.raid.nbd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** When the reader runs requests itself and when it hands them to workers. */
class InlinePolicyTest {
    private static final long FAST = 5_000;
    private static final long SLOW = 400_000;

    private static long runWindow(InlinePolicy p, long now, long each, int slowEvery) {
        return run(p, now, each, slowEvery, InlinePolicy.WINDOW);
    }

    private static long run(InlinePolicy p, long now, long each, int slowEvery, int requests) {
        for (int i = 0; i < requests; i++) {
            assertTrue(p.inline(now));
            now += each;
            p.ran(slowEvery > 0 && i % slowEvery == 0 ? SLOW : each, now);
        }
        return now;
    }

    @Test
    void fastRequestsStayOnTheReaderDespiteTheOddPreemption() {
        InlinePolicy p = new InlinePolicy(Dispatch.AUTO);
        long now = 0;
        for (int w = 0; w < 100; w++) {
            // One request in four delayed by a millisecond-long preemption: still a minority.
            now = runWindow(p, now, FAST, 4);
        }
        assertTrue(p.inline(now));
        assertEquals(0, p.switches());
    }

    @Test
    void slowRequestsGoToWorkersAndTheReaderProbesAgainLater() {
        InlinePolicy p = new InlinePolicy(Dispatch.AUTO);
        long now = runWindow(p, 0, SLOW, 0);
        assertFalse(p.inline(now), "a window of device-bound requests hands over to the workers");
        assertFalse(p.inline(now + InlinePolicy.PROBE_NANOS - 1));
        now += InlinePolicy.PROBE_NANOS;
        assertTrue(p.inline(now), "probe");
        now = run(p, now, FAST, 0, InlinePolicy.PROBE_WINDOW);
        assertTrue(p.inline(now), "the device became fast: the reader keeps the requests");
        now = runWindow(p, now, FAST, 0);
        assertTrue(p.inline(now));
        assertEquals(1, p.switches());
    }

    @Test
    void probesThatFindSlowRequestsBackOffUpToTheLimit() {
        InlinePolicy p = new InlinePolicy(Dispatch.AUTO);
        long now = runWindow(p, 0, SLOW, 0);
        long wait = InlinePolicy.PROBE_NANOS;
        for (int probe = 0; probe < 8; probe++) {
            assertFalse(p.inline(now + wait - 1), "no probe before " + wait + " ns");
            now += wait;
            assertTrue(p.inline(now), "probe " + probe);
            // A probe is short: a few requests run one at a time, not a whole window.
            now = run(p, now, SLOW, 0, InlinePolicy.PROBE_WINDOW);
            assertFalse(p.inline(now), "probe " + probe + " found slow requests");
            wait = Math.min(InlinePolicy.MAX_PROBE_NANOS, 2 * wait);
        }
        assertEquals(InlinePolicy.MAX_PROBE_NANOS, wait);
        // A probe that finds fast requests keeps them on the reader and resets the wait.
        now += wait;
        assertTrue(p.inline(now));
        now = run(p, now, FAST, 0, InlinePolicy.PROBE_WINDOW);
        assertTrue(p.inline(now));
        now = runWindow(p, now, SLOW, 0);
        assertFalse(p.inline(now + InlinePolicy.PROBE_NANOS - 1));
        assertTrue(p.inline(now + InlinePolicy.PROBE_NANOS), "back to the first wait");
    }

    @Test
    void fixedModesNeverSwitch() {
        InlinePolicy reader = new InlinePolicy(Dispatch.READER);
        runWindow(reader, 0, SLOW, 0);
        assertTrue(reader.inline(SLOW * 40));
        InlinePolicy workers = new InlinePolicy(Dispatch.WORKERS);
        assertFalse(workers.inline(0));
        assertFalse(workers.inline(10 * InlinePolicy.PROBE_NANOS));
    }
}
