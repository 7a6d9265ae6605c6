/**
 * Allocation-free fan-out of I/O to members: preallocated request slots with aligned buffers
 * ({@link io.bitmirror.raid.io.SlotPool}, the one bit-mask pool, also used for an NBD
 * connection's requests), and three ways to reach the members ({@link io.bitmirror.raid.io.MemberIoMode}):
 * Linux AIO ({@link io.bitmirror.raid.io.KernelAio}: one submission for every member, one
 * completion thread), one I/O thread per member with a bounded multi-producer queue each, or the
 * requesting thread in turn. A request completes when every member it went to has answered; each member's failure
 * is recorded, not thrown. {@link io.bitmirror.raid.io.Broadcast} is the one "every member of a
 * mask, say which failed" loop (fan-out in turn, bitmap page writes, superblock writes).
 */
package io.bitmirror.raid.io;
