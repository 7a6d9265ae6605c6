/**
 * The bitmirror config file in mdadm.conf syntax ({@link io.bitmirror.bitmapfile.config.ConfigFile},
 * the one parser; format in docs/CONFIG.md): DEVICE and ARRAY lines, and in the ARRAY lines the
 * bitmap registry's records ({@link io.bitmirror.bitmapfile.config.BitmapRegistry}) of which
 * external bitmap file is whose, with the file's device, inode, size and extents as registered,
 * so assemble finds the file and notices any change.
 */
package io.bitmirror.bitmapfile.config;
