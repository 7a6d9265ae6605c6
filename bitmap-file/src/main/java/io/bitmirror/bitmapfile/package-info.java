/**
 * The external bitmap file: creating it through the filesystem (every byte written, then
 * fsync, never fallocate), and later resolving its blocks with FIEMAP so pages can be written
 * straight to the block device (DESIGN.md, W7).
 */
package io.bitmirror.bitmapfile;
