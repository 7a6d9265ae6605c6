package io.bitmirror.tools.run;

import com.fasterxml.jackson.databind.JsonNode;

import io.bitmirror.tools.control.ControlClient;
import io.bitmirror.tools.control.ControlJson;
import io.bitmirror.tools.control.DetailFormatter;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bitmirror detail}: state, members, resync progress and bitmap statistics of a running array. */
@Command(name = "detail", mixinStandardHelpOptions = true,
        description = "Show a running array: state, members, resync/recovery progress, bitmap statistics.")
public final class DetailCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ControlTarget target;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "The array's name or UUID, instead of --control.")
    String name;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        target.name(name);
        JsonNode d = ControlClient.request(target.socket("detail"), "detail");
        spec.commandLine().getOut().print(json ? ControlJson.line(d) : DetailFormatter.text(d));
        return 0;
    }
}
