package io.bitmirror.raid.array;

/**
 * Locks for partial-block writes, by block index: a read-modify-write of a block holds the lock
 * of its block from the read to the write, so two writes to different bytes of one block never
 * both write the block with the other's bytes old. Blocks share a fixed table of locks (the
 * block index modulo the table size). A write that takes two (its first and its last block)
 * takes them in the order of their table index: a total order with no ties (one index is one
 * lock, taken once), so two writers never wait for each other crosswise, whatever the blocks.
 */
final class BlockLocks {
    private static final int LOCKS = 1024;

    private final Object[] locks = new Object[LOCKS];

    BlockLocks() {
        for (int i = 0; i < LOCKS; i++) {
            locks[i] = new Object();
        }
    }

    /** The table index of block {@code block}'s lock. */
    static int index(long block) {
        return (int) (block & (LOCKS - 1));
    }

    /** The lock taken first for a write from block {@code a} to block {@code b}. */
    Object first(long a, long b) {
        return locks[Math.min(index(a), index(b))];
    }

    /** The lock taken second (the same as the first when both blocks share one). */
    Object second(long a, long b) {
        return locks[Math.max(index(a), index(b))];
    }
}
