package io.bitmirror.faults.faulty;

import io.bitmirror.raid.member.ForwardingMemberDevice;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.member.MemberPort;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A member with a port of its own whose requests land late and out of order, as a remote
 * member's over a slow link: each read, write and trim is performed on the device underneath
 * after a seeded random delay of up to {@code maxLagMillis}, by one of several threads; a flush
 * at once. The crash explorer's stand-in
 * for an NBD leg (its recording must see every member write, which a real server would hide),
 * so write-behind, which only goes to members with a port, is explored.
 */
public final class LaggingPortDevice extends ForwardingMemberDevice implements MemberPort {
    private final ScheduledExecutorService lag;
    private final SplittableRandom random;
    private final long maxLagMillis;
    private volatile IOException lastError;

    public LaggingPortDevice(MemberDevice device, long maxLagMillis, long seed) {
        super(device);
        this.maxLagMillis = maxLagMillis;
        this.random = new SplittableRandom(seed);
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(3, r -> {
            Thread t = new Thread(r, "lagging-port " + device.name());
            t.setDaemon(true);
            return t;
        });
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.lag = e;
    }

    @Override
    public MemberPort port() {
        return this;
    }

    private interface Op {
        void run() throws IOException;
    }

    private void later(Op op, long tag, Done done) {
        long delay;
        synchronized (random) {
            delay = random.nextLong(maxLagMillis + 1);
        }
        after(delay, op, tag, done);
    }

    private void after(long delay, Op op, long tag, Done done) {
        try {
            lag.schedule(() -> {
                boolean ok = true;
                try {
                    op.run();
                } catch (IOException | RuntimeException e) {
                    lastError = e instanceof IOException ? (IOException) e : new IOException(e.toString(), e);
                    ok = false;
                }
                done.ended(tag, ok);
            }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            lastError = new IOException(name() + ": closed");
            done.ended(tag, false);
        }
    }

    @Override
    public void submitRead(long position, ByteBuffer dst, long tag, Done done) {
        later(() -> device.read(position, dst), tag, done);
    }

    @Override
    public void submitWrite(long position, ByteBuffer src, boolean fua, long tag, Done done) {
        later(() -> device.write(position, src, fua), tag, done);
    }

    /**
     * At once: as an NBD server's (nbdkit's delay filter delays writes, not flushes), a flush
     * covers the writes that completed before it and does not wait for those still lagging.
     */
    @Override
    public void submitFlush(long tag, Done done) {
        after(0, device::flush, tag, done);
    }

    @Override
    public void submitTrim(long position, long length, long tag, Done done) {
        later(() -> device.trim(position, length), tag, done);
    }

    @Override
    public IOException lastError() {
        return lastError;
    }

    @Override
    public void close() throws IOException {
        // A power cut as much as a stop: what had not landed never does.
        lag.shutdownNow();
        super.close();
    }
}
