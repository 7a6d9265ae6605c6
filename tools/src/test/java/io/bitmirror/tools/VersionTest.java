package io.bitmirror.tools;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** {@code --version}: the version, the git commit this was built from, and the build date, stamped at build time. */
class VersionTest {
    @Test
    void versionCommitAndBuildDate() throws Exception {
        String v = Cli.run("--version").out().split("\n")[0];
        assertTrue(v.matches("bitmirror \\S+ \\(commit ([0-9a-f]{12}|unknown), built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)"),
                v);
        External.Run git = External.run("sh", "-c", "git -C '" + Path.of("").toAbsolutePath()
                + "' rev-parse --short=12 HEAD 2>/dev/null || echo unknown");
        // The commit the classes were built from (the build ran in this checkout just now).
        assertTrue(v.contains("(commit " + git.out().trim() + ","), v + " vs " + git.out());
    }
}
