/**
 * The running external bitmap: {@link io.bitmirror.bitmapfile.store.ExternalBitmapStore}, a
 * {@link io.bitmirror.bitmap.store.BitmapStore} that writes pages with O_DIRECT to the block
 * device at the file's resolved extents, while the file is locked and immutable; and the
 * O_DIRECT reader {@link io.bitmirror.bitmapfile.store.DirectFileReader} that shows what is on
 * the disk, never a stale page cache.
 */
package io.bitmirror.bitmapfile.store;
