/**
 * Allocation-free fan-out of I/O to members: preallocated request slots with aligned buffers,
 * a bounded multi-producer queue per member and one I/O thread per member. A request completes
 * when every member it went to has answered; each member's failure is recorded, not thrown.
 */
package io.bitmirror.raid.io;
