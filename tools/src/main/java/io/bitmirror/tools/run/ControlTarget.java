package io.bitmirror.tools.run;

import io.bitmirror.bitmapfile.config.ArrayLine;
import io.bitmirror.bitmapfile.config.ConfigFile;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.tools.UsageException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import picocli.CommandLine.Option;

/**
 * The array a command talks to (a picocli mixin): {@code --control=SOCKET}, or the array's NAME
 * ({@code host:web} or {@code web}) or UUID, given with {@code --array} or, for commands with no
 * other positional, as their NAME parameter ({@link #name(String)}). A name is looked up in the
 * run directory, where every running array registers its control socket, then as the config
 * file's ARRAY line's {@code control=}. Used by detail, manage and stop (and grow, monitor).
 */
public final class ControlTarget {
    @Option(names = "--control", paramLabel = "SOCKET", description = "The array's control socket.")
    Path control;

    @Option(names = "--array", paramLabel = "NAME|UUID", description = "The running array's name or UUID, "
            + "instead of --control (looked up in $BITMIRROR_RUN_DIR or /run/bitmirror).")
    String array;

    @Option(names = "--config", paramLabel = "FILE", description = "Config file whose ARRAY lines' control= "
            + "are tried for a NAME not in the run directory (default: $BITMIRROR_CONF or "
            + "/etc/bitmirror/bitmirror.conf).")
    Path config;

    /** The NAME parameter of a command that has one; counts as --array. */
    public void name(String positional) throws UsageException {
        if (positional == null) {
            return;
        }
        if (array != null) {
            throw new UsageException("the array is named twice: --array=" + array + " and " + positional);
        }
        array = positional;
    }

    /**
     * The control socket to connect to.
     *
     * @param command the command's name, for the error
     * @throws UsageException when neither or both of --control and a NAME are given
     * @throws ArrayException when no running array has that name or UUID
     */
    public Path socket(String command) throws IOException {
        if ((control == null) == (array == null)) {
            throw new UsageException(command + " needs either --control=SOCKET or the array's NAME");
        }
        if (control != null) {
            return control;
        }
        // The run directory knows every running array's socket, wherever it is.
        for (RunDirectory.Entry e : RunDirectory.running(stale -> { })) {
            if (e.control() != null && (names(e.name(), array) || e.uuid().equalsIgnoreCase(array))) {
                return e.control();
            }
        }
        Path file = ConfigFile.locate(config);
        if (Files.exists(file)) {
            for (ArrayLine l : ConfigFile.read(file).arrays()) {
                boolean named = l.name() != null && names(l.name(), array) || array.equalsIgnoreCase(l.get("uuid"));
                if (named && l.get("control") != null) {
                    return Path.of(l.get("control"));
                }
            }
        }
        throw new ArrayException("no running array named " + array + " in " + RunDirectory.locate()
                + " (nor a control= for it in " + file + ")");
    }

    /** md names are HOST:NAME; the NAME alone names it too. */
    private static boolean names(String full, String asked) {
        return full.equals(asked) || full.substring(full.indexOf(':') + 1).equals(asked);
    }
}
