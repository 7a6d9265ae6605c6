package io.bitmirror.faults.crash;

import java.util.List;

/** The standard workloads of a campaign. */
public final class Workloads {
    private Workloads() {
    }

    public static List<Workload> standard() {
        return List.of(new RandomWritesWorkload(150), new DegradedWorkload(40), new ResyncWorkload(120),
                new SparseWritesWorkload(60), new ScrubWorkload(40));
    }

    public static Workload byName(String name) {
        for (Workload w : standard()) {
            if (w.name().equals(name)) {
                return w;
            }
        }
        throw new IllegalArgumentException("no workload named " + name);
    }
}
