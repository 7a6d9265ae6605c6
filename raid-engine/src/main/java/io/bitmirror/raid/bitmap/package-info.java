/**
 * The internal bitmap: a {@link io.bitmirror.bitmap.store.BitmapStore} over the bitmap area of
 * every member that takes writes (8 sectors after the superblock), written to all of them and
 * flushed before the data it protects may go out. The store sees the members only as a supplier
 * of the current {@link io.bitmirror.raid.bitmap.BitmapCopies} snapshot and reports a failed copy
 * to a callback; it holds no array and no shared mutable member table.
 */
package io.bitmirror.raid.bitmap;
