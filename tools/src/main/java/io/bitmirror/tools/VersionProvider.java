package io.bitmirror.tools;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import picocli.CommandLine.IVersionProvider;

/**
 * The version, git commit and build date Maven stamped into {@code bitmirror-version.properties}
 * (filtered) and {@code bitmirror-commit.properties} (written by {@code git rev-parse} at build
 * time, "unknown" without .git). A value missing or left unfiltered reads "unknown".
 */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        load(p, "/bitmirror-version.properties");
        load(p, "/bitmirror-commit.properties");
        return new String[] {"bitmirror " + value(p, "version") + " (commit " + value(p, "commit") + ", built "
                + value(p, "built") + ")",
            "md metadata 1.2, write-intent bitmap version 4; Java " + System.getProperty("java.version")};
    }

    private static void load(Properties p, String resource) throws IOException {
        try (InputStream in = VersionProvider.class.getResourceAsStream(resource)) {
            if (in != null) {
                p.load(in);
            }
        }
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key, "").trim();
        return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    }
}
