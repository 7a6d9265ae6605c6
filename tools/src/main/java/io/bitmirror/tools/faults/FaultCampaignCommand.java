package io.bitmirror.tools.faults;

import io.bitmirror.faults.campaign.Campaign;
import io.bitmirror.faults.campaign.CampaignResult;
import io.bitmirror.faults.campaign.MutantName;
import io.bitmirror.faults.crash.Violation;
import io.bitmirror.tools.UsageException;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror fault-campaign}: records the standard workloads over two small file members,
 * crashes them in N distinct states and checks W1, W4 and C1 on each with the real assemble and
 * resync. Exit 0 when no violation was found, 1 when one was (also for a mutant: the line
 * "mutant NAME caught" then says that this was expected).
 */
@Command(name = "fault-campaign", mixinStandardHelpOptions = true,
        description = "Crash the array in N distinct states (per member: durable writes plus a chosen subset of "
                + "the unflushed ones, whole or torn), assemble and resync each, and check the invariants "
                + "(W1 write intent, W4 degraded, C1 crash result, identical mirrors).",
        footer = {"", "Output: 'N states', 'V violations', 'seed S', 'first violation: ...' (if any), 'time T s'.",
            "Exit status: 0 no violation, 1 violations (a mutant run prints 'mutant NAME caught'), 2 usage error."})
public final class FaultCampaignCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--states", defaultValue = "5000", paramLabel = "N",
            description = "Distinct crash states to explore, shared among the workloads (default: ${DEFAULT-VALUE}).")
    long states;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S",
            description = "Seed of the workloads and of the state choice (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--mutant", paramLabel = "NAME",
            description = "Record with a deliberately broken bitmap engine (see --list-mutants).")
    String mutant;

    @Option(names = "--list-mutants", description = "Print the mutant names, one per line, and exit.")
    boolean listMutants;

    @Option(names = "--workers", paramLabel = "N",
            description = "Crash states checked in parallel (default: the number of CPUs).")
    Integer workers;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (listMutants) {
            for (MutantName m : MutantName.values()) {
                out.println(m.cliName());
            }
            return 0;
        }
        if (states < 1) {
            throw new UsageException("--states " + states + ": must be at least 1");
        }
        MutantName m = null;
        if (mutant != null) {
            try {
                m = MutantName.parse(mutant);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--mutant " + mutant + ": unknown (see --list-mutants)");
            }
        }
        int w = workers == null ? Math.max(1, Runtime.getRuntime().availableProcessors()) : workers;
        if (w < 1) {
            throw new UsageException("--workers " + w + ": must be at least 1");
        }
        quietEngineLogs();
        Campaign c = new Campaign(states, seed, m, io.bitmirror.faults.crash.Workloads.standard(), w);
        CampaignResult r = c.run();
        out.println(r.states() + " states");
        out.println(r.violations() + " violations");
        out.println("seed " + seed);
        Violation first = r.firstViolation();
        if (first != null) {
            out.println("first violation: " + first.describe());
        }
        out.println(String.format(Locale.ROOT, "time %.1f s", r.seconds()));
        if (m != null) {
            // Caught means caught by the check meant for it, not by any violation at all.
            out.println(r.violations(m.check()) > 0 ? "mutant " + m.cliName() + " caught ("
                    + r.violations(m.check()) + " " + m.check() + " violations)"
                    : "mutant " + m.cliName() + " NOT caught (no " + m.check() + " violation)");
        }
        return r.violations() > 0 ? 1 : 0;
    }

    /**
     * Thousands of assemblies would print thousands of "resyncing" lines; the campaign reports
     * what matters. slf4j-simple reads this when a logger is first created.
     */
    private static void quietEngineLogs() {
        if (System.getProperty("org.slf4j.simpleLogger.log.io.bitmirror") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.io.bitmirror", "error");
        }
    }
}
