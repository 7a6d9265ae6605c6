package io.bitmirror.tools.run;

import io.bitmirror.tools.control.ControlClient;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror stop (--control=SOCKET | NAME)}: as {@code mdadm --stop}. The server drains
 * its NBD clients, flushes, marks the array clean and exits 0; this command returns once the
 * array is stopped. A NAME or UUID is found as {@link ControlTarget} says.
 */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop a running array: drain, flush, mark clean; the server exits 0.")
public final class StopCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ControlTarget target;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "The array's name or UUID, instead of --control.")
    String name;

    @Override
    public Integer call() throws Exception {
        target.name(name);
        Path socket = target.socket("stop");
        spec.commandLine().getOut().println(ControlClient.request(socket, "stop").path("message").asText());
        return 0;
    }
}
