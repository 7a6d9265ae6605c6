package io.bitmirror.raid.array;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener's bounded queue and its delivery thread. {@link #offer} never waits for the
 * listener: the array's threads (member I/O errors, manage, the sync thread) only take this
 * object's monitor for a queue operation. A full queue drops the event and counts it; one
 * {@link ArrayEvent#EVENTS_LOST} with the count is queued as soon as there is room again, ahead
 * of the next event, so the listener learns where the gap is. Closing stops delivery; after
 * {@link ArrayEvent#DEVICE_DISAPPEARED} the thread ends by itself once the queue is empty.
 */
public final class ArrayEventSubscription implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ArrayEventSubscription.class);

    private final ArrayEventListener listener;
    private final ArrayEvents hub;
    private final int capacity;
    private final ArrayDeque<ArrayEvent> queue;
    private final Thread thread;
    /** Events dropped since the last EventsLost went into the queue. Guarded by this. */
    private long dropped;
    /** The array stopped: nothing more will come. Guarded by this. */
    private boolean ended;
    private volatile boolean closed;

    ArrayEventSubscription(ArrayEvents hub, ArrayEventListener listener, int capacity, String threadName) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity " + capacity + ": at least 2");
        }
        this.hub = hub;
        this.listener = listener;
        this.capacity = capacity;
        this.queue = new ArrayDeque<>(capacity);
        this.thread = new Thread(this::deliver, threadName);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Queues {@code e}, or drops and counts it; never waits. */
    synchronized void offer(ArrayEvent e) {
        if (closed || ended) {
            return;
        }
        if (dropped > 0) {
            // The marker needs a place of its own, ahead of e: both or neither.
            if (capacity - queue.size() >= 2) {
                queue.add(lost(e));
                queue.add(e);
            } else {
                dropped++;
            }
        } else if (queue.size() < capacity) {
            queue.add(e);
        } else {
            dropped = 1;
        }
        if (ArrayEvent.DEVICE_DISAPPEARED.equals(e.event())) {
            ended = true;
        }
        notifyAll();
    }

    private ArrayEvent lost(ArrayEvent next) {
        ArrayEvent m = new ArrayEvent(next.time(), ArrayEvent.EVENTS_LOST, next.array(), next.uuid(), null, -1, null,
                -1, dropped);
        dropped = 0;
        return m;
    }

    /** The next event, an EventsLost for what was dropped at the end, or null when delivery is over. */
    private synchronized ArrayEvent take() throws InterruptedException {
        while (!closed) {
            ArrayEvent e = queue.poll();
            if (e != null) {
                return e;
            }
            if (dropped > 0) {
                return lost(hub.template());
            }
            if (ended) {
                return null;
            }
            wait(TimeUnit.SECONDS.toMillis(1));
        }
        return null;
    }

    private void deliver() {
        try {
            for (ArrayEvent e = take(); e != null; e = take()) {
                try {
                    listener.onEvent(e);
                } catch (RuntimeException ex) {
                    // One listener's bug must not end its own stream of events.
                    LOG.warn("{}: event listener failed on {}: {}", e.array(), e.event(), ex.toString());
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } finally {
            hub.remove(this);
        }
    }

    /** True once delivery is over (closed, or the array stopped and every event was delivered). */
    public boolean done() {
        return !thread.isAlive();
    }

    /** Waits for delivery to end; false on timeout. */
    public boolean awaitDone(long timeoutMillis) throws InterruptedException {
        thread.join(timeoutMillis);
        return !thread.isAlive();
    }

    /** Stops delivery (events still queued are dropped); does not wait for a listener call in progress. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            queue.clear();
            notifyAll();
        }
        hub.remove(this);
    }
}
