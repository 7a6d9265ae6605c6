/**
 * JMH benchmarks of the bitmap engine (not run by {@code mvn verify}; commands and figures in
 * docs/BENCHMARKS.md).
 */
package io.bitmirror.bitmap.bench;
