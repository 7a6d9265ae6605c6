package io.bitmirror.tools.create;

import java.util.Stack;

import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code --write-behind[=N]} as mdadm reads it: the value is optional, and a bare
 * {@code --write-behind} means 256. picocli's optional value would take the next word even when
 * it is a device, so the value is taken only when it is attached ({@code =N}) or a number.
 */
public final class WriteBehindValue implements IParameterConsumer {
    /** mdadm's default when no value is given. */
    public static final int DEFAULT = 256;

    @Override
    public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
        int n = DEFAULT;
        if (!args.isEmpty() && args.peek().matches("-?[0-9]+")) {
            String v = args.pop();
            try {
                n = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new ParameterException(commandSpec.commandLine(), "--write-behind " + v + ": not a number");
            }
        }
        argSpec.setValue(n);
    }
}
