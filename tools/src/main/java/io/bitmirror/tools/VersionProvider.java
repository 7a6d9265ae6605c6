package io.bitmirror.tools;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import picocli.CommandLine.IVersionProvider;

/** Reads the version Maven stamped into {@code bitmirror-version.properties}. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/bitmirror-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return new String[] {"bitmirror " + p.getProperty("version", "unknown"),
            "md metadata 1.2, write-intent bitmap version 4; Java " + System.getProperty("java.version")};
    }
}
