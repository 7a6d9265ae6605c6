/**
 * Reading and writing a member's md metadata as a whole: find the superblock at the 1.0, 1.1
 * or 1.2 location, validate it against the device, load the internal bitmap behind it; lay out
 * and write a new member.
 */
package io.bitmirror.raid.metadata;
