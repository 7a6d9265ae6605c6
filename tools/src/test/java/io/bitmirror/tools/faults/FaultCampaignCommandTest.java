package io.bitmirror.tools.faults;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The {@code fault-campaign} command through the real CLI. */
class FaultCampaignCommandTest {

    @Test
    void listsTheMutantsOnePerLine() {
        Cli.Result r = Cli.run("fault-campaign", "--list-mutants");
        assertEquals(0, r.rc());
        assertEquals(List.of("w1-data-before-bitmap", "w2-clear-before-flush", "w4-clear-while-degraded",
                "l1-never-clear", "w2-clear-while-behind"),
                List.of(r.out().trim().split("\n")));
    }

    @Test
    void aSmallCleanCampaignPrintsItsFiguresAndExitsZero() {
        Cli.Result r = Cli.run("fault-campaign", "--states=60", "--seed=5");
        assertEquals(0, r.rc(), r.out() + r.err());
        String[] lines = r.out().split("\n");
        assertEquals("60 states", lines[0]);
        assertEquals("0 violations", lines[1]);
        assertEquals("seed 5", lines[2]);
        assertTrue(lines[3].matches("time \\d+\\.\\d s"), lines[3]);
    }

    @Test
    void aMutantIsCaughtAndTheExitStatusSaysViolations() {
        Cli.Result r = Cli.run("fault-campaign", "--states=200", "--seed=42", "--mutant=w1-data-before-bitmap");
        assertEquals(1, r.rc(), r.out() + r.err());
        assertTrue(r.out().contains("first violation: W1 in "), r.out());
        assertTrue(r.out().matches("(?s).*mutant w1-data-before-bitmap caught \\(\\d+ W1 violations\\).*"), r.out());
        assertFalse(r.out().contains("\n0 violations"), r.out());
    }

    @Test
    void unknownMutantIsAUsageError() {
        Cli.Result r = Cli.run("fault-campaign", "--mutant=w9");
        assertEquals(2, r.rc());
        assertEquals("bitmirror: --mutant w9: unknown (see --list-mutants)", r.errLines().get(0));
    }
}
