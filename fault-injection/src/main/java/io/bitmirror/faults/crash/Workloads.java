package io.bitmirror.faults.crash;

import java.util.List;

/** The standard workloads of a campaign. */
public final class Workloads {
    private Workloads() {
    }

    public static List<Workload> standard() {
        return List.of(new RandomWritesWorkload(150), new DegradedWorkload(40), new ResyncWorkload(120),
                new SparseWritesWorkload(60), new ScrubWorkload(40), new WriteBehindWorkload(60));
    }

    /**
     * Workloads a campaign runs only when named ({@code fault-campaign --workload}): the grow
     * workload has its own test (GrowCampaignTest) and is kept out of the standard share.
     */
    public static List<Workload> extra() {
        return List.of(new GrowWorkload(30, false));
    }

    public static Workload byName(String name) {
        List<Workload> all = new java.util.ArrayList<>(standard());
        all.addAll(extra());
        for (Workload w : all) {
            if (w.name().equals(name)) {
                return w;
            }
        }
        throw new IllegalArgumentException("no workload named " + name);
    }
}
