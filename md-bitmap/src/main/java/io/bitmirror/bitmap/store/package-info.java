/**
 * Where bitmap pages live: the {@link io.bitmirror.bitmap.store.BitmapStore} interface that
 * the engine writes through (internal: a region of every member, in raid-engine; external: a
 * file mapped to block addresses, in bitmap-file), and the
 * {@link io.bitmirror.bitmap.store.PendingWrites} counter that replaces lists of pages to wait for.
 *
 * <p>{@link io.bitmirror.bitmap.store.InMemoryBitmapStore} is a store in memory with written and
 * durable images and injectable failures, for the tests of this module and of the modules that
 * drive the engine (raid-engine, fault-injection).
 */
package io.bitmirror.bitmap.store;
