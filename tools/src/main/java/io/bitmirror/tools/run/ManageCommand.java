package io.bitmirror.tools.run;

import io.bitmirror.tools.UsageException;
import io.bitmirror.tools.control.ControlClient;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bitmirror manage}: --fail, --remove, --add, --re-add a member of a running array. */
@Command(name = "manage", mixinStandardHelpOptions = true,
        description = "Fail, remove, add or re-add a member of a running array (as mdadm --manage).")
public final class ManageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--control", required = true, paramLabel = "SOCKET", description = "The array's control socket.")
    Path control;

    static final class Action {
        @Option(names = {"-f", "--fail"}, description = "Mark the member faulty.")
        boolean fail;
        @Option(names = {"-r", "--remove"}, description = "Take a faulty member out.")
        boolean remove;
        @Option(names = {"-a", "--add"}, description = "Add a new device (full recovery).")
        boolean add;
        @Option(names = "--re-add", description = "Bring a former member back (bitmap-based recovery when possible).")
        boolean reAdd;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    @Option(names = "--force", description = "With --add: overwrite a device that holds a filesystem, an md "
            + "superblock or another signature (as create --force).")
    boolean force;

    @Parameters(paramLabel = "DEVICE", description = "The member.")
    Path device;

    @Override
    public Integer call() throws Exception {
        if (force && !action.add) {
            throw new UsageException("--force goes with --add only");
        }
        String verb = action.fail ? "fail" : action.remove ? "remove" : action.add ? (force ? "add-force" : "add")
                : "re-add";
        spec.commandLine().getOut().print(ControlClient.request(control, verb + " " + device.toAbsolutePath()));
        return 0;
    }
}
