package io.bitmirror.testsupport;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class RequirementsTest {
    @Test
    void skipAbortsOnADevelopersMachineAndFailsUnderCi() {
        TestAbortedException skipped = assertThrows(TestAbortedException.class,
                () -> Requirements.skip("no frobnicator", false));
        assertTrue(skipped.getMessage().contains("no frobnicator"), skipped.getMessage());
        AssertionFailedError failed = assertThrows(AssertionFailedError.class,
                () -> Requirements.skip("no frobnicator", true));
        assertTrue(failed.getMessage().contains("CI=true") && failed.getMessage().contains("no frobnicator"),
                failed.getMessage());
    }

    @Test
    void ciIsReadFromTheEnvironment() {
        assertTrue(Requirements.ci(Map.of("CI", "true")));
        assertTrue(Requirements.ci(Map.of("CI", "TRUE")));
        assertTrue(Requirements.ci(Map.of("CI", "1")));
        assertFalse(Requirements.ci(Map.of("CI", "false")));
        assertFalse(Requirements.ci(Map.of("CI", "")));
        assertFalse(Requirements.ci(Map.of()));
    }

    @Test
    void rootIsTheEffectiveUid() throws Exception {
        assertEquals(0, Requirements.effectiveUid("Uid:\t1000\t0\t0\t0"));
        assertEquals(1000, Requirements.effectiveUid("Uid:\t0\t1000\t1000\t1000"));
        Process p = new ProcessBuilder("id", "-u").start();
        String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor());
        assertEquals("0".equals(uid), Requirements.root(), "id -u says " + uid);
    }

    @Test
    void toolsAreFoundOnTheSearchPath() {
        assertTrue(Requirements.onPath("sh"));
        assertFalse(Requirements.onPath("bitmirror-no-such-tool"));
        assertDoesNotThrow(() -> Requirements.requireTools("sh"));
    }
}
