/**
 * {@code bitmirror bench}: the in-process engine (no NBD) under 4 KiB random writes, with and
 * without the internal bitmap, reporting throughput, the on/off ratio and bytes allocated per
 * write over every thread of the write path; and the resync benchmark.
 */
package io.bitmirror.tools.bench;
