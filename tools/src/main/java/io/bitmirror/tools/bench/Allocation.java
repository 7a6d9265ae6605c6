package io.bitmirror.tools.bench;

import java.lang.management.ManagementFactory;
import java.util.List;

/** Bytes allocated by a set of threads, from the JVM's per-thread counters. */
final class Allocation {
    private Allocation() {
    }

    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static {
        MX.setThreadAllocatedMemoryEnabled(true);
    }

    static long[] snapshot(List<Thread> threads) {
        long[] out = new long[threads.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = MX.getThreadAllocatedBytes(threads.get(i).getId());
        }
        return out;
    }

    /** Sum of what each thread allocated between two snapshots (threads that ended count 0). */
    static long delta(long[] before, long[] after) {
        long sum = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] >= 0 && after[i] >= 0) {
                sum += after[i] - before[i];
            }
        }
        return sum;
    }
}
