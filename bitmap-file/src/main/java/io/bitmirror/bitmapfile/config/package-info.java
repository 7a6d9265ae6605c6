/**
 * The record of which external bitmap file belongs to which array: an mdadm.conf-like text file
 * of ARRAY lines ({@link io.bitmirror.bitmapfile.config.BitmapRegistry}, format documented there
 * and in docs/EXTERNAL-BITMAP.md), holding for each array the file's path, device, inode, size and
 * extents as registered, so assemble finds the file and notices any change.
 */
package io.bitmirror.bitmapfile.config;
