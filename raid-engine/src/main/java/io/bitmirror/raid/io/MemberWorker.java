package io.bitmirror.raid.io;

import io.bitmirror.raid.member.MemberDevice;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;

/**
 * The I/O thread of one member: takes slots from its queue, performs them on the device and
 * reports each result to the slot. Errors are counted and remembered (the last one), never
 * thrown, so the array decides what a failure means.
 */
final class MemberWorker implements Runnable {
    private final int member;
    private final MemberDevice device;
    private final BoundedQueue<IoSlot> queue;
    private final Thread thread;
    private volatile boolean sleeping;
    private volatile boolean running = true;
    private volatile IOException lastError;

    /** Where a slot goes back when this thread returns its last operation (see {@link IoSlot#returned}). */
    private final SlotPool pool;

    MemberWorker(int member, MemberDevice device, int slots, String name, SlotPool pool) {
        this.pool = pool;
        this.member = member;
        this.device = device;
        this.queue = new BoundedQueue<>(slots);
        this.thread = new Thread(this, name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    void submit(IoSlot s) {
        s.issued(1);
        queue.offer(s);
        // Dekker with run(): either the worker sees the slot on its re-check, or we see it asleep.
        if (sleeping) {
            LockSupport.unpark(thread);
        }
    }

    IOException lastError() {
        return lastError;
    }

    @Override
    public void run() {
        while (running) {
            IoSlot s = queue.poll();
            if (s == null) {
                sleeping = true;
                s = queue.poll();
                if (s == null) {
                    if (running) {
                        LockSupport.park(this);
                    }
                    sleeping = false;
                    continue;
                }
                sleeping = false;
            }
            boolean ok = perform(device, member, s);
            boolean back = s.returned();
            s.complete(member, ok);
            if (back) {
                pool.release(s.index);
            }
        }
    }

    private boolean perform(MemberDevice dev, int m, IoSlot s) {
        try {
            execute(dev, m, s);
            return true;
        } catch (IOException | RuntimeException e) {
            lastError = e instanceof IOException ? (IOException) e : new IOException(e.toString(), e);
            return false;
        }
    }

    /** Performs one request on one member (also used inline by the submitting thread). */
    static void execute(MemberDevice dev, int m, IoSlot s) throws IOException {
        switch (s.op) {
            case IoSlot.WRITE:
                dev.write(s.position, s.viewFor(m), s.fua);
                break;
            case IoSlot.READ:
                dev.read(s.position, s.viewFor(m));
                break;
            case IoSlot.FLUSH:
                dev.flush();
                break;
            case IoSlot.TRIM:
                dev.trim(s.position, s.extent);
                break;
            default:
                throw new IllegalStateException("unknown op " + s.op);
        }
    }

    void stop() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Requests still queued (the thread was stuck on a hung device, or stopped first) are
        // failed here, and their slots come back: none is kept from the pool for ever.
        for (IoSlot s = queue.poll(); s != null; s = queue.poll()) {
            boolean back = s.returned();
            s.complete(member, false);
            if (back) {
                pool.release(s.index);
            }
        }
    }
}
