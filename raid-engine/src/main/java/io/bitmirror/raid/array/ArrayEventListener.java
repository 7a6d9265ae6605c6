package io.bitmirror.raid.array;

/**
 * Told of an array's events ({@link RaidArray#subscribe}). Called on the subscription's own
 * delivery thread, one event at a time, in the order they occurred; it may take as long as it
 * likes (events queue, and beyond the queue's bound are dropped and counted, never waited for).
 */
@FunctionalInterface
public interface ArrayEventListener {
    void onEvent(ArrayEvent event);
}
