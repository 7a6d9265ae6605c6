package io.bitmirror.tools;

import io.bitmirror.tools.bench.BenchCommand;
import io.bitmirror.tools.config.ConfigCommand;
import io.bitmirror.tools.create.CreateCommand;
import io.bitmirror.tools.examine.ExamineBitmapCommand;
import io.bitmirror.tools.examine.ExamineCommand;
import io.bitmirror.tools.faults.FaultCampaignCommand;
import io.bitmirror.tools.run.AssembleCommand;
import io.bitmirror.tools.run.DetailCommand;
import io.bitmirror.tools.run.GrowCommand;
import io.bitmirror.tools.run.ListCommand;
import io.bitmirror.tools.run.MonitorCommand;
import io.bitmirror.tools.run.ManageCommand;
import io.bitmirror.tools.run.QuickstartCommand;
import io.bitmirror.tools.run.StopCommand;
import io.bitmirror.tools.zero.ZeroSuperblockCommand;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code bitmirror} command: it only dispatches to subcommands. */
@Command(name = "bitmirror", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "User-space RAID-1 with Linux md on-disk formats and a write-intent bitmap.",
        subcommands = {QuickstartCommand.class, CreateCommand.class, AssembleCommand.class, StopCommand.class, ListCommand.class, MonitorCommand.class, DetailCommand.class,
            ManageCommand.class, GrowCommand.class, ExamineCommand.class, ExamineBitmapCommand.class, ConfigCommand.class, ZeroSuperblockCommand.class, BenchCommand.class,
            FaultCampaignCommand.class, picocli.CommandLine.HelpCommand.class},
        footer = {"", "Exit status: 0 success, 1 runtime failure, 2 usage error.",
            "Add --debug to any command for stack traces."})
public final class BitmirrorCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = "--debug", description = "Show stack traces of errors.", scope =
            picocli.CommandLine.ScopeType.INHERIT)
    boolean debug;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required (quickstart, create, assemble, stop, list, detail, manage, examine, examine-bitmap, config, zero-superblock, bench, "
                + "fault-campaign, help)");
    }
}
