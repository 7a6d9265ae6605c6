package io.bitmirror.tools.run;

import io.bitmirror.bitmapfile.config.ArrayLine;
import io.bitmirror.bitmapfile.config.ConfigFile;
import io.bitmirror.tools.UsageException;
import io.bitmirror.tools.control.ControlClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror stop (--control=SOCKET | NAME)}: as {@code mdadm --stop}. The server drains
 * its NBD clients, flushes, marks the array clean and exits 0; this command returns once the
 * array is stopped. A NAME is looked up as the config file's ARRAY line's {@code control=}, else
 * the default socket {@code /run/bitmirror/NAME.control} (or {@code ./NAME.control}).
 */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop a running array: drain, flush, mark clean; the server exits 0.")
public final class StopCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--control", paramLabel = "SOCKET", description = "The array's control socket.")
    Path control;

    @Option(names = "--config", paramLabel = "FILE", description = "Config file for NAME (default: $BITMIRROR_CONF "
            + "or /etc/bitmirror/bitmirror.conf).")
    Path config;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "The array's name, instead of --control.")
    String name;

    @Override
    public Integer call() throws Exception {
        if ((control == null) == (name == null)) {
            throw new UsageException("stop needs either --control=SOCKET or the array's NAME");
        }
        Path socket = control != null ? control : socketOf(name, config);
        spec.commandLine().getOut().println(ControlClient.request(socket, "stop").path("message").asText());
        return 0;
    }

    /**
     * The control socket of the array named {@code arrayName} (HOST:NAME, NAME or uuid): the run
     * directory's entry, else the config file's ARRAY line's {@code control=}, else the default.
     */
    static Path socketOf(String arrayName, Path config) throws IOException {
        // The run directory knows every running array's socket, wherever it is.
        for (RunDirectory.Entry e : RunDirectory.running(stale -> { })) {
            String n = e.name();
            if (e.control() != null && (n.equals(arrayName) || n.substring(n.indexOf(':') + 1).equals(arrayName)
                    || e.uuid().equalsIgnoreCase(arrayName))) {
                return e.control();
            }
        }
        Path file = ConfigFile.locate(config);
        if (Files.exists(file)) {
            for (ArrayLine l : ConfigFile.read(file).arrays()) {
                String n = l.name();
                boolean named = n != null && (n.equals(arrayName) || n.substring(n.indexOf(':') + 1).equals(arrayName))
                        || arrayName.equalsIgnoreCase(l.get("uuid"));
                if (named && l.get("control") != null) {
                    return Path.of(l.get("control"));
                }
            }
        }
        return AssembleCommand.defaultDir().resolve(arrayName + ".control");
    }
}
