/**
 * Running arrays: {@code assemble} (array + NBD export + control socket until SIGINT/SIGTERM),
 * {@code quickstart}, and the clients of a running array, {@code detail} and {@code manage}.
 */
package io.bitmirror.tools.run;
