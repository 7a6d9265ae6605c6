/**
 * The external bitmap file (DESIGN.md, W7): {@link io.bitmirror.bitmapfile.BitmapFileWriter}
 * creates it through the filesystem (every byte written, then fsync, never fallocate), and the
 * facade {@link io.bitmirror.bitmapfile.ExternalBitmap} checks where it lives, registers it for
 * its array, and opens it for direct page writes on the block device at its resolved extents.
 * Refusals are {@link io.bitmirror.bitmapfile.BitmapFileException}s with a one-line message.
 * See docs/EXTERNAL-BITMAP.md.
 */
package io.bitmirror.bitmapfile;
