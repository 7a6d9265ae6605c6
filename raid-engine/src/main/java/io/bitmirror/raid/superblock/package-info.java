/**
 * The md v1.x superblock (FORMATS.md): descriptor of named offsets, a flyweight over a buffer,
 * the kernel's checksum, time encoding, the three placements (1.0, 1.1, 1.2) and the validity
 * checks the kernel makes at assembly.
 */
package io.bitmirror.raid.superblock;
