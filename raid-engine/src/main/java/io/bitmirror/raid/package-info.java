/**
 * The RAID-1 engine: member devices, md v1 metadata, array creation and (later) the running
 * array. {@link io.bitmirror.raid.ArrayException} carries one-line messages for users.
 */
package io.bitmirror.raid;
