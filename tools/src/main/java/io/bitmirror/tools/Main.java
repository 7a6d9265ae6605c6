package io.bitmirror.tools;

import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.ArrayException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;

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
            err.println("bitmirror: " + usageMessage(ex));
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

    /**
     * What was wrong with the command line. A mistyped option comes first, with picocli's
     * suggestions: picocli reports a missing required option before an unmatched one, and
     * {@code --levle=1} is not a missing {@code --level} but a typo of it.
     */
    static String usageMessage(CommandLine.ParameterException ex) {
        CommandLine c = ex.getCommandLine();
        CommandLine.UnmatchedArgumentException unmatched = null;
        if (ex instanceof CommandLine.UnmatchedArgumentException) {
            unmatched = (CommandLine.UnmatchedArgumentException) ex;
        } else if (c.getParseResult() != null && !c.getParseResult().unmatched().isEmpty()) {
            unmatched = new CommandLine.UnmatchedArgumentException(c, c.getParseResult().unmatched());
        }
        if (unmatched == null) {
            return oneLine(ex.getMessage());
        }
        List<String> args = unmatched.getUnmatched();
        String first = args.isEmpty() ? "" : args.get(0);
        String what = first.startsWith("-") ? "unknown option '" + first + "'"
                : c.getSubcommands().isEmpty() ? "unexpected argument '" + first + "'"
                : "unknown command '" + first + "'";
        List<String> suggestions = unmatched.getSuggestions();
        if (!suggestions.isEmpty()) {
            what += " (did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size())))
                    + "?)";
        }
        return what;
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
