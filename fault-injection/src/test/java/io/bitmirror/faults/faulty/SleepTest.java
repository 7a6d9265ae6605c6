package io.bitmirror.faults.faulty;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

class SleepTest {
    /**
     * The array leaves unpark permits on the threads that call it (an in-turn fan-out completes
     * its own slot and unparks itself); a bare parkNanos then returns at once, which made every
     * workload pause of the default fan-out last nothing at all.
     */
    @Test
    void lastsEvenWithAPendingUnparkPermit() {
        LockSupport.unpark(Thread.currentThread());
        long start = System.nanoTime();
        Sleep.atLeastMillis(20);
        assertTrue(System.nanoTime() - start >= 20_000_000L);
    }

    @Test
    void anInterruptEndsItAndStaysSet() {
        Thread.currentThread().interrupt();
        long start = System.nanoTime();
        Sleep.atLeastMillis(5_000);
        assertTrue(Thread.interrupted(), "interrupt flag kept (and cleared here)");
        assertTrue(System.nanoTime() - start < 1_000_000_000L);
    }
}
