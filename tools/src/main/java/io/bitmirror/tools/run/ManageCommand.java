package io.bitmirror.tools.run;

import io.bitmirror.tools.UsageException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.bitmirror.tools.control.ControlClient;
import io.bitmirror.tools.control.ControlJson;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror manage}: --fail, --remove, --add, --re-add a member of a running array, or
 * --action=check|repair|idle on the whole array (mdadm's --action, md's sync_action).
 */
@Command(name = "manage", mixinStandardHelpOptions = true,
        description = "Fail, remove, add or re-add a member of a running array (as mdadm --manage), or check or "
                + "repair its members (--action, as mdadm --action).")
public final class ManageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** --control=SOCKET or --array=NAME (the positional is the DEVICE here). */
    @Mixin
    ControlTarget target;

    static final class Action {
        @Option(names = {"-f", "--fail"}, description = "Mark the member faulty.")
        boolean fail;
        @Option(names = {"-r", "--remove"}, description = "Take a faulty member out.")
        boolean remove;
        @Option(names = {"-a", "--add"}, description = "Add a new device (full recovery).")
        boolean add;
        @Option(names = "--re-add", description = "Bring a former member back (bitmap-based recovery when possible).")
        boolean reAdd;
        @Option(names = "--action", paramLabel = "ACTION", description = "md's sync_action: check (compare the "
                + "members, count mismatches, change nothing), repair (also rewrite differing blocks from the first "
                + "in-sync member) or idle (stop a check or repair). No DEVICE.")
        SyncActionWord syncAction;
        @Option(names = "--track-changes", paramLabel = "NAME", description = "Start a changed-block bitmap "
                + "NAME, exported as the NBD meta context qemu:dirty-bitmap:NAME. No DEVICE.")
        String trackChanges;
        @Option(names = "--clear-changes", paramLabel = "NAME", description = "Clear changed-block bitmap NAME "
                + "(after a backup). No DEVICE.")
        String clearChanges;
        @Option(names = "--stop-tracking", paramLabel = "NAME", description = "Drop changed-block bitmap NAME "
                + "and its file. No DEVICE.")
        String stopTracking;
    }

    /** The words --action takes (picocli refuses others, with the list, exit 2). */
    enum SyncActionWord { check, repair, idle }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    @Option(names = "--force", description = "With --add: overwrite a device that holds a filesystem, an md "
            + "superblock or another signature (as create --force).")
    boolean force;

    @Option(names = {"-W", "--write-mostly"}, description = "With --add: the new member is write-mostly (reads "
            + "avoid it; with the bitmap's write-behind its writes may lag).")
    boolean writeMostly;

    @Parameters(paramLabel = "DEVICE", arity = "0..1", description = "The member (not with --action).")
    Path device;

    @Override
    public Integer call() throws Exception {
        Path control = target.socket("manage");
        if (force && !action.add) {
            throw new UsageException("--force goes with --add only");
        }
        if (writeMostly && !action.add) {
            throw new UsageException("--write-mostly goes with --add only");
        }
        if (action.syncAction != null) {
            if (device != null) {
                throw new UsageException("--action takes no DEVICE (it acts on the whole array): " + device);
            }
            spec.commandLine().getOut().println(ControlClient.request(control,
                    ControlJson.request("sync-action").put("action", action.syncAction.name())).path("message").asText());
            return 0;
        }
        String changes = action.trackChanges != null ? "track-changes" : action.clearChanges != null
                ? "clear-changes" : action.stopTracking != null ? "stop-tracking" : null;
        if (changes != null) {
            if (device != null) {
                throw new UsageException("--" + changes + " takes no DEVICE: " + device);
            }
            String name = action.trackChanges != null ? action.trackChanges : action.clearChanges != null
                    ? action.clearChanges : action.stopTracking;
            spec.commandLine().getOut().println(ControlClient.request(control,
                    ControlJson.request(changes).put("name", name)).path("message").asText());
            return 0;
        }
        if (device == null) {
            throw new UsageException("missing DEVICE: --fail, --remove, --add and --re-add name a member");
        }
        String verb = action.fail ? "fail" : action.remove ? "remove" : action.add ? "add" : "re-add";
        // Absolute: the server's working directory is not this one.
        ObjectNode req = ControlJson.request(verb).put("device", io.bitmirror.raid.remote.RemoteMembers.isRemote(device)
                ? io.bitmirror.raid.remote.RemoteMembers.text(device) : device.toAbsolutePath().toString());
        if (force) {
            req.put("force", true);
        }
        if (writeMostly) {
            req.put("writeMostly", true);
        }
        spec.commandLine().getOut().println(ControlClient.request(control, req).path("message").asText());
        return 0;
    }
}
