package io.bitmirror.raid.nbd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** When the reader runs requests itself and when it hands them to workers. */
class InlinePolicyTest {
    private static final long FAST = 5_000;
    private static final long SLOW = 400_000;

    private static long runWindow(InlinePolicy p, long now, long each, int slowEvery) {
        for (int i = 0; i < InlinePolicy.WINDOW; i++) {
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
        now = runWindow(p, now, FAST, 0);
        assertTrue(p.inline(now), "the device became fast: the reader keeps the requests");
        assertEquals(1, p.switches());
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
