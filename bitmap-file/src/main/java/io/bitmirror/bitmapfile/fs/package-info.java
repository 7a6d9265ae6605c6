/**
 * The filesystem and block device under a bitmap file: statfs {@code f_type} allow-list
 * ({@link io.bitmirror.bitmapfile.fs.FsType}), {@code st_dev} to {@code /dev} node and logical
 * block size through sysfs ({@link io.bitmirror.bitmapfile.fs.BlockDevice}), the refusal of a
 * filesystem that lives on one of the array's members or on the array itself
 * ({@link io.bitmirror.bitmapfile.fs.Placement}), and the libc bindings (jnr-ffi) for what Java
 * has no API for ({@link io.bitmirror.bitmapfile.fs.LibC}).
 */
package io.bitmirror.bitmapfile.fs;
