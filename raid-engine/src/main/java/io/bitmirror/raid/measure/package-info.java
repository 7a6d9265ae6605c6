/**
 * Measuring the engine itself: bytes each thread of the write path allocated, from the JVM's
 * per-thread counters (W5 is measured, not assumed). Used by {@code bitmirror bench} and tests.
 */
package io.bitmirror.raid.measure;
