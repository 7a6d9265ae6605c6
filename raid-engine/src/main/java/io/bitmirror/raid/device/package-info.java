/**
 * Member devices: what a path is (block device or regular file), its size and logical sector
 * size (ioctl through jnr-ffi for block devices), aligned O_DIRECT I/O, and the probe for
 * signatures that must not be overwritten by accident.
 */
package io.bitmirror.raid.device;
