/**
 * Faulty members, in the spirit of dm-flakey: per-member schedules of read and write errors,
 * dropped writes (reported done, never stored), torn writes (only some sectors land) and added
 * latency, chosen by operation count, byte range or seeded probability.
 */
package io.bitmirror.faults.faulty;
