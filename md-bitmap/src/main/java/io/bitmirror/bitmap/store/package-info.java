/**
 * Where bitmap pages live: the {@link io.bitmirror.bitmap.store.BitmapStore} interface that
 * the engine writes through (internal: a region of every member, in raid-engine; external: a
 * file mapped to block addresses, in bitmap-file), and the
 * {@link io.bitmirror.bitmap.store.PendingWrites} counter that replaces lists of pages to wait for.
 */
package io.bitmirror.bitmap.store;
