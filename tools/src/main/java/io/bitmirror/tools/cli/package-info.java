/** Shared pieces of the command line: size parsing as mdadm does it, the host name. */
package io.bitmirror.tools.cli;
