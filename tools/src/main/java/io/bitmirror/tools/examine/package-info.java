/**
 * {@code examine} and {@code examine-bitmap}: the same fields, labels, values and order as
 * mdadm 4.2's {@code --examine} and {@code --examine-bitmap}, read with O_DIRECT.
 */
package io.bitmirror.tools.examine;
