package io.bitmirror.tools;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** Runs the real CLI in-process and captures what it prints. */
public final class Cli {
    private Cli() {
    }

    /** Exit status, standard output and standard error of one run. */
    public record Result(int rc, String out, String err) {
        public List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n"));
        }
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(rc, out.toString(), err.toString());
    }
}
