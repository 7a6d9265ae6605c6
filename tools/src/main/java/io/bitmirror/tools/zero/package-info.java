/**
 * {@code zero-superblock}: erasing the md metadata of a member that no array uses, as
 * {@code mdadm --zero-superblock} does.
 */
package io.bitmirror.tools.zero;
