/**
 * Member devices: what a path is (block device or regular file), its size and logical sector
 * size (ioctl through jnr-ffi for block devices), aligned O_DIRECT I/O, the Linux AIO system
 * calls and their structures ({@link io.bitmirror.raid.device.LinuxAio}), and the probe for
 * signatures that must not be overwritten by accident.
 */
package io.bitmirror.raid.device;
