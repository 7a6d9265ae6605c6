/**
 * The md write-intent bitmap on disk: the 256-byte bitmap superblock and the bit array that
 * follows it (FORMATS.md, "Bitmap superblock"), as a descriptor of named offsets plus flyweights
 * that read and write the fields in place over a buffer.
 *
 * <p>{@link io.bitmirror.bitmap.format.MdFormatException} is the one exception every on-disk
 * parser of the project throws for malformed input, in this module and in raid-engine.
 */
package io.bitmirror.bitmap.format;
