package io.bitmirror.raid.io;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Bounded multi-producer, multi-consumer queue (a sequence per cell, as in Vyukov's bounded
 * queue): no locks, no allocation. Users size it for the most elements that can be in it at
 * once (every element is in a queue at most once), so {@link #offer} never finds it full.
 */
public final class BoundedQueue<E> {
    private final Object[] cells;
    private final AtomicLongArray sequence;
    private final int mask;
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong head = new AtomicLong();

    public BoundedQueue(int minCapacity) {
        int cap = Integer.highestOneBit(Math.max(2, minCapacity - 1)) << 1;
        cells = new Object[cap];
        sequence = new AtomicLongArray(cap);
        mask = cap - 1;
        for (int i = 0; i < cap; i++) {
            sequence.set(i, i);
        }
    }

    public void offer(E s) {
        while (true) {
            long pos = tail.get();
            int i = (int) (pos & mask);
            long seq = sequence.get(i);
            if (seq == pos) {
                if (tail.compareAndSet(pos, pos + 1)) {
                    cells[i] = s;
                    // Publishing the sequence makes the cell visible to the consumer.
                    sequence.set(i, pos + 1);
                    return;
                }
            } else if (seq < pos) {
                throw new IllegalStateException("queue full: more elements in flight than its capacity");
            }
            Thread.onSpinWait();
        }
    }

    @SuppressWarnings("unchecked")
    public E poll() {
        while (true) {
            long pos = head.get();
            int i = (int) (pos & mask);
            long seq = sequence.get(i);
            if (seq == pos + 1) {
                if (head.compareAndSet(pos, pos + 1)) {
                    E s = (E) cells[i];
                    cells[i] = null;
                    sequence.set(i, pos + mask + 1);
                    return s;
                }
            } else if (seq < pos + 1) {
                return null;
            }
            Thread.onSpinWait();
        }
    }
}
