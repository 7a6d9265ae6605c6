/**
 * Recording members, in the spirit of dm-log-writes: every write, flush and trim a member
 * completes is logged with its data, in completion order, so that any crash state can be rebuilt
 * later from the log alone.
 */
package io.bitmirror.faults.record;
