/**
 * The {@code bitmirror} command line: one picocli class per subcommand, in mdadm's vocabulary,
 * and {@link io.bitmirror.tools.Main}, which turns failures into one-line errors and exit codes
 * (0 success, 1 runtime failure, 2 usage error; stack traces only with {@code --debug}).
 */
package io.bitmirror.tools;
