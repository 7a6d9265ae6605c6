package io.bitmirror.testsupport;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

class DynamicTestTimeoutTest {
    @Test
    void parsesJunitsTimeoutSyntax() {
        assertEquals(Optional.of(Duration.ofMinutes(5)), DynamicTestTimeout.timeout(Optional.of("5 m")));
        assertEquals(Optional.of(Duration.ofSeconds(90)), DynamicTestTimeout.timeout(Optional.of("90")));
        assertEquals(Optional.of(Duration.ofMillis(250)), DynamicTestTimeout.timeout(Optional.of("250ms")));
        assertEquals(Optional.empty(), DynamicTestTimeout.timeout(Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> DynamicTestTimeout.timeout(Optional.of("five")));
    }

    @Test
    void aDynamicTestBlockedInAnUninterruptibleReadFailsAtItsTimeout() throws Exception {
        // A pipe nobody writes to: FileInputStream.read ignores interrupts, so only a test run
        // in another thread can fail in time.
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            long t0 = System.nanoTime();
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> DynamicTestTimeout.runWithin(Duration.ofMillis(300), () -> {
                        sleeper.getInputStream().read();
                        return null;
                    }, "hangs"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().contains("'hangs' timed out"), e.getMessage());
            assertTrue(ms < 20_000, "failed after " + ms + " ms, not at its timeout");
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }

    @Test
    void aDynamicTestWithinItsTimeoutRunsOnce() {
        AtomicBoolean ran = new AtomicBoolean();
        DynamicTestTimeout.runWithin(Duration.ofSeconds(30), () -> {
            assertFalse(ran.getAndSet(true));
            return null;
        }, "quick");
        assertTrue(ran.get());
    }
}
