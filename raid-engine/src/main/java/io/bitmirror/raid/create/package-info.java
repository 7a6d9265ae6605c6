/**
 * Creating an array: validate every member and the request as a whole, lay out each member as
 * mdadm does for metadata 1.2, and only then write superblocks and bitmaps.
 */
package io.bitmirror.raid.create;
