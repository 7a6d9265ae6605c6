/**
 * Finding arrays among candidate devices, as {@code mdadm --examine --scan} and
 * {@code --assemble --scan} do: every candidate's superblock is read, members are grouped by the
 * array uuid, and each array is described by the ARRAY line mdadm.conf would hold.
 */
package io.bitmirror.tools.scan;
