package io.bitmirror.tools.examine;

import java.util.TimeZone;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class in UTC and restores the zone after: mdadm prints times in the local zone
 * (run with TZ=UTC), and bitmirror's examine must print the same text.
 */
final class UtcTimeZone implements BeforeAllCallback, AfterAllCallback {
    private TimeZone saved;

    @Override
    public void beforeAll(ExtensionContext context) {
        saved = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        TimeZone.setDefault(saved);
    }
}
