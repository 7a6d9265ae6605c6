package io.bitmirror.faults.crash;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.faults.faulty.Sleep;
import io.bitmirror.faults.record.WriteLog;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.io.IoSlot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * What a workload may do: array operations that are recorded in the {@link History} with the
 * log seqs around them, so that the checker knows what was promised at every crash point.
 */
public final class WorkloadContext {
    /** Unit of workload I/O (the array's block size). */
    public static final int BLOCK = RaidArray.BLOCK_SIZE;

    private final RaidArray array;
    private final List<Path> members;
    private final WriteLog log;
    private final History history;
    private final SplittableRandom random;
    private final Geometry geometry;

    WorkloadContext(RaidArray array, List<Path> members, WriteLog log, History history, SplittableRandom random,
            Geometry geometry) {
        this.array = array;
        this.members = members;
        this.log = log;
        this.history = history;
        this.random = random;
        this.geometry = geometry;
    }

    public SplittableRandom random() {
        return random;
    }

    public RaidArray array() {
        return array;
    }

    public Geometry geometry() {
        return geometry;
    }

    /** Blocks in the array. */
    public int blocks() {
        return (int) (geometry.arrayBytes() / BLOCK);
    }

    /** Blocks per bitmap chunk. */
    public int blocksPerChunk() {
        return (int) (geometry.chunkBytes() / BLOCK);
    }

    /**
     * Starts changed-block bitmap {@code name}; every sync of its file is recorded with the log
     * seq at that moment (T1 is checked on these by {@link TrackingCheck}).
     */
    public void trackChanges(String name) throws IOException {
        array.changes().track(name);
        io.bitmirror.bitmap.engine.ChangeBitmap b = array.changes().find(name);
        b.afterSync(() -> {
            try {
                history.trackingSynced(new History.TrackingSync(log.currentSeq(),
                        java.nio.file.Files.readAllBytes(b.file())));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        history.trackingSynced(new History.TrackingSync(log.currentSeq(), java.nio.file.Files.readAllBytes(b.file())));
        history.trackingStarted(log.currentSeq());
    }

    /** Clears changed-block bitmap {@code name} (as after a backup). */
    public void clearChanges(String name) throws IOException {
        array.changes().clear(name);
    }

    /**
     * Writes {@code n} blocks of random data at block {@code first}. When the members complete
     * asynchronously (the member-threads fan-out) the write is submitted as the NBD server
     * submits it ({@link RaidArray#writeAsync}: the bitmap, then the members, the end on the
     * thread of the last member to answer) and waited for here, so the campaign explores the
     * submitted path with the same history.
     */
    public void write(int first, int n, boolean fua) throws IOException {
        byte[] data = new byte[n * BLOCK];
        random.nextBytes(data);
        long start = log.currentSeq();
        if (array.asynchronousWrites()) {
            submitted((long) first * BLOCK, data, fua);
        } else {
            array.write((long) first * BLOCK, ByteBuffer.wrap(data), fua);
        }
        history.write(new History.Write((long) first * BLOCK, data, fua, start, log.currentSeq()));
    }

    private void submitted(long offset, byte[] data, boolean fua) throws IOException {
        IoSlot s = array.acquireSlot();
        try {
            s.data().clear().put(data);
            CompletableFuture<ArrayException> ended = new CompletableFuture<>();
            if (!array.writeAsync(s, offset, data.length, fua, (slot, e) -> ended.complete(e))) {
                throw new IllegalStateException("an aligned write was not submitted to an asynchronous array");
            }
            ArrayException e = ended.join();
            if (e != null) {
                throw e;
            }
        } finally {
            array.releaseSlot(s);
        }
    }

    /** Trims {@code n} blocks at block {@code first}: they read back as zeroes. */
    public void trim(int first, int n) throws IOException {
        long start = log.currentSeq();
        array.trim((long) first * BLOCK, (long) n * BLOCK);
        history.write(new History.Write((long) first * BLOCK, new byte[n * BLOCK], false, start, log.currentSeq()));
    }

    public void flush() throws IOException {
        long start = log.currentSeq();
        array.flush();
        history.flush(new History.Flush(start, log.currentSeq()));
    }

    /** Idle time: the bitmap daemon and safe mode act. */
    public void pause(long millis) {
        Sleep.atLeastMillis(millis);
    }

    /** Fails member {@code m} (as manage --fail); the other one is the survivor (2 members). */
    public void fail(int m) throws ArrayException {
        long start = log.currentSeq();
        array.fail(members.get(m));
        history.degraded(new History.Degraded(m, 1 - m, start, Long.MAX_VALUE));
    }

    public void remove(int m) throws IOException {
        array.remove(members.get(m));
    }

    /** Re-adds member {@code m}: the degraded period ends here for the W4 check (recovery starts). */
    public void reAdd(int m) throws IOException {
        history.endDegraded(m, log.currentSeq());
        array.reAdd(members.get(m));
    }

    /** {@code grow --bitmap}: returns what the array said. */
    public String grow(io.bitmirror.raid.array.BitmapChange change) throws ArrayException {
        return array.growBitmap(change);
    }

    public boolean awaitSyncIdle(long millis) {
        return array.awaitSyncIdle(millis);
    }

    /** md's sync_action: starts a check or repair (or stops one: idle). */
    public String syncAction(String action) throws ArrayException {
        long start = log.currentSeq();
        String said = array.syncAction(action);
        if (!action.equals("idle")) {
            history.scrub(new History.Scrub(action, start, Long.MAX_VALUE));
        }
        return said;
    }

    /** Waits until no pass of any kind runs (sync_action idle), at most {@code millis}. */
    public boolean awaitSyncActionIdle(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (!array.status().syncAction().equals("idle")) {
            if (System.nanoTime() > end) {
                return false;
            }
            Sleep.atLeastMillis(2);
        }
        history.endScrub(log.currentSeq());
        return true;
    }

    /** Whether a pass (resync, recovery, check, repair) runs now. */
    public boolean syncing() {
        return !array.status().syncAction().equals("idle");
    }
}
