package io.bitmirror.raid.io;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Bounded multi-producer queue of slots (a sequence per cell, as in Vyukov's bounded queue):
 * no locks, no allocation. Its capacity is at least the number of slots, and a slot is in a
 * queue at most once, so {@link #offer} never finds it full.
 */
final class SlotQueue {
    private final IoSlot[] cells;
    private final AtomicLongArray sequence;
    private final int mask;
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong head = new AtomicLong();

    SlotQueue(int minCapacity) {
        int cap = Integer.highestOneBit(Math.max(2, minCapacity - 1)) << 1;
        cells = new IoSlot[cap];
        sequence = new AtomicLongArray(cap);
        mask = cap - 1;
        for (int i = 0; i < cap; i++) {
            sequence.set(i, i);
        }
    }

    void offer(IoSlot s) {
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
                throw new IllegalStateException("slot queue full: more slots in flight than its capacity");
            }
            Thread.onSpinWait();
        }
    }

    IoSlot poll() {
        while (true) {
            long pos = head.get();
            int i = (int) (pos & mask);
            long seq = sequence.get(i);
            if (seq == pos + 1) {
                if (head.compareAndSet(pos, pos + 1)) {
                    IoSlot s = cells[i];
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
