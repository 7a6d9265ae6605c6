package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;

/** The one format of every line a running array prints (simplelogger.properties). */
final class LogLines {
    private LogLines() {
    }

    /** ISO-8601 timestamp with milliseconds and zone, [LEVEL], the logger's short name, " - ", the text. */
    static final Pattern LINE = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) "
            + "\\[(INFO|WARN|ERROR)\\] [A-Z][A-Za-z0-9$]* - \\S.*");

    /** Every non-empty line of {@code output} is a log line in that format. */
    static void assertAllFormatted(String output) {
        for (String l : output.split("\n")) {
            assertTrue(l.isEmpty() || LINE.matcher(l).matches(), "not a log line in the one format: " + l
                    + "\n--- all output:\n" + output);
        }
    }
}
