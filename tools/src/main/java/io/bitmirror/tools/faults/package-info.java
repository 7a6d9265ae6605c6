/** {@code bitmirror fault-campaign}: crash-state exploration from the command line. */
package io.bitmirror.tools.faults;
