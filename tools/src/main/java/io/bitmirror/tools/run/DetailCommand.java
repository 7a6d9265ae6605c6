package io.bitmirror.tools.run;

import com.fasterxml.jackson.databind.JsonNode;

import io.bitmirror.tools.control.ControlClient;
import io.bitmirror.tools.control.ControlJson;
import io.bitmirror.tools.control.DetailFormatter;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bitmirror detail}: state, members, resync progress and bitmap statistics of a running array. */
@Command(name = "detail", mixinStandardHelpOptions = true,
        description = "Show a running array: state, members, resync/recovery progress, bitmap statistics.")
public final class DetailCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--control", required = true, paramLabel = "SOCKET", description = "The array's control socket.")
    Path control;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        JsonNode d = ControlClient.request(control, "detail");
        spec.commandLine().getOut().print(json ? ControlJson.line(d) : DetailFormatter.text(d));
        return 0;
    }
}
