/**
 * The internal bitmap: a {@link io.bitmirror.bitmap.store.BitmapStore} over the bitmap area of
 * every present member (8 sectors after the superblock), written to all of them and flushed
 * before the data it protects may go out.
 */
package io.bitmirror.raid.bitmap;
