package io.bitmirror.raid.array;

import java.util.concurrent.atomic.LongAdder;

/**
 * Client requests the array completed since assembly: reads and writes (count and bytes), trims
 * (count and bytes) and flushes. Counted by {@link MirroredIo} when a request returns without
 * error; the array's own I/O (read-modify-write reads, repairs after a read error, the daemon's
 * and the stop's member flushes, resync) is not a client request and is not counted.
 *
 * <p>{@link LongAdder}s, not {@code AtomicLong}s: every writer and reader thread adds to the same
 * few counters on every request, and one contended cache line would serialise them (each CAS
 * retried under contention); a LongAdder stripes its cells per thread once contended, and a read
 * ({@code detail}) is rare, so paying for the sum there is right. No lock: a snapshot sums each
 * adder on its own, so a count and its bytes may be one request apart while I/O runs. No
 * allocation in steady state: an adder allocates its cells only on first contention and grows
 * them at most to the CPU count, all during warm-up (WritePathAllocationTest measures after).
 */
final class IoCounters {
    private final LongAdder reads = new LongAdder();
    private final LongAdder readBytes = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder writeBytes = new LongAdder();
    private final LongAdder trims = new LongAdder();
    private final LongAdder trimBytes = new LongAdder();
    private final LongAdder flushes = new LongAdder();

    void read(long bytes) {
        reads.increment();
        readBytes.add(bytes);
    }

    void write(long bytes) {
        writes.increment();
        writeBytes.add(bytes);
    }

    void trim(long bytes) {
        trims.increment();
        trimBytes.add(bytes);
    }

    void flush() {
        flushes.increment();
    }

    ArrayStatus.Io snapshot() {
        return new ArrayStatus.Io(reads.sum(), readBytes.sum(), writes.sum(), writeBytes.sum(), trims.sum(),
                trimBytes.sum(), flushes.sum());
    }
}
