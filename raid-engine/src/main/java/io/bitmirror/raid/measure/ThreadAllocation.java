package io.bitmirror.raid.measure;

import java.lang.management.ManagementFactory;
import java.util.List;

/** Bytes allocated by a set of threads, from {@code ThreadMXBean.getThreadAllocatedBytes}. */
public final class ThreadAllocation {
    private ThreadAllocation() {
    }

    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static {
        MX.setThreadAllocatedMemoryEnabled(true);
    }

    /** Each thread's allocated bytes so far (-1 for a thread that ended). */
    public static long[] snapshot(List<Thread> threads) {
        long[] out = new long[threads.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = MX.getThreadAllocatedBytes(threads.get(i).getId());
        }
        return out;
    }

    /** Bytes the threads allocated between two snapshots (threads that ended count 0). */
    public static long delta(long[] before, long[] after) {
        long sum = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] >= 0 && after[i] >= 0) {
                sum += after[i] - before[i];
            }
        }
        return sum;
    }
}
