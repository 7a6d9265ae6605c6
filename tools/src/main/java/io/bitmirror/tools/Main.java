package io.bitmirror.tools;

import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.ArrayException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

import picocli.CommandLine;

/** Entry point of the launcher script. */
public final class Main {
    private Main() {
    }

    /** Exit status of a runtime failure. */
    public static final int EXIT_FAILURE = 1;
    /** Exit status of a usage error. */
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit status (tests call this). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = false;
        for (String a : args) {
            debug |= a.equals("--debug");
        }
        final boolean showTrace = debug;
        CommandLine cl = new CommandLine(new BitmirrorCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("bitmirror: " + oneLine(ex.getMessage()));
            err.println("Try 'bitmirror " + subcommandName(ex.getCommandLine()) + "--help' for more information.");
            if (showTrace) {
                ex.printStackTrace(err);
            }
            err.flush();
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            err.println("bitmirror: " + describe(ex));
            if (showTrace) {
                ex.printStackTrace(err);
            }
            err.flush();
            return ex instanceof UsageException ? EXIT_USAGE : EXIT_FAILURE;
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    private static String subcommandName(CommandLine c) {
        String name = c.getCommandName();
        return name.equals("bitmirror") ? "" : name + " ";
    }

    /** One line for the user: what failed and why, no class names unless nothing better exists. */
    static String describe(Throwable ex) {
        if (ex instanceof MdFormatException || ex instanceof ArrayException || ex instanceof UsageException) {
            return oneLine(ex.getMessage());
        }
        if (ex instanceof NoSuchFileException) {
            return ((NoSuchFileException) ex).getFile() + ": no such file or device";
        }
        if (ex instanceof AccessDeniedException) {
            return ((AccessDeniedException) ex).getFile() + ": permission denied";
        }
        if (ex instanceof IOException && ex.getMessage() != null) {
            return oneLine(ex.getMessage());
        }
        String msg = ex.getMessage();
        return ex.getClass().getSimpleName() + (msg == null ? "" : ": " + oneLine(msg))
                + " (run with --debug for details)";
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
