/**
 * The write-intent bitmap engine: decides when a data write may go out (W1: its chunk's bit is
 * durable in every bitmap copy) and when a bit may be cleared (W2, W4: lazily, after every member
 * was flushed since the chunk's last write, never while degraded).
 *
 * <p>Pieces, one job each:
 * <ul>
 * <li>{@link io.bitmirror.bitmap.engine.WriteIntentBitmap}: the API the array calls
 *     (startWrite/endWrite, startSync/endSync/closeSync, membersFlushed, events);</li>
 * <li>{@link io.bitmirror.bitmap.engine.ChunkCounters}: md's 16-bit per-chunk counter
 *     (14-bit in-flight count, NEEDED, RESYNC), off heap through chronicle-bytes;</li>
 * <li>{@link io.bitmirror.bitmap.engine.PageImages}: live page images that writers change and
 *     the stable snapshots the flusher writes (W6), plus the dirty-page list;</li>
 * <li>{@link io.bitmirror.bitmap.engine.Flusher}: the one thread that group-commits an epoch;</li>
 * <li>{@link io.bitmirror.bitmap.engine.EpochWaiters}: parked writers, released together;</li>
 * <li>{@link io.bitmirror.bitmap.engine.BitmapDaemon}: md's lazy two-pass clearing every
 *     daemon_sleep, flushing the members itself through a
 *     {@link io.bitmirror.bitmap.engine.MemberFlush} when no one else did (L1);</li>
 * <li>{@link io.bitmirror.bitmap.engine.Mutant}: deliberate bugs for the tests, chosen in code only.</li>
 * </ul>
 *
 * <p>Nothing here allocates on the write path in steady state (W5): everything is sized at load.
 */
package io.bitmirror.bitmap.engine;
