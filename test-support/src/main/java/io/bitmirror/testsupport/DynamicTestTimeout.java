package io.bitmirror.testsupport;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.extension.DynamicTestInvocationContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;

/**
 * The per-method timeout for dynamic tests too. JUnit's {@code @Timeout} and
 * {@code junit.jupiter.execution.timeout.default} cover a {@code @TestFactory} method, which only
 * builds the stream, not the dynamic tests it yields (ArrayCrashTest's crashes, BitmapModelTest's
 * sequences); each of those runs here in its own thread and fails at the same default timeout,
 * even when it is blocked where an interrupt cannot reach. Registered for every module's tests by
 * service loading ({@code junit.jupiter.extensions.autodetection.enabled} in the parent pom).
 */
public final class DynamicTestTimeout implements InvocationInterceptor {
    /** The parameter JUnit reads for methods; dynamic tests get the same value. */
    static final String PARAMETER = "junit.jupiter.execution.timeout.default";

    private static final Pattern VALUE = Pattern.compile("\\s*(\\d+)\\s*(ns|μs|ms|s|m|h|d)?\\s*");

    @Override
    public void interceptDynamicTest(Invocation<Void> invocation, DynamicTestInvocationContext invocationContext,
            ExtensionContext extensionContext) throws Throwable {
        Optional<Duration> timeout = timeout(extensionContext.getConfigurationParameter(PARAMETER));
        if (timeout.isEmpty()) {
            invocation.proceed();
            return;
        }
        runWithin(timeout.get(), invocation, extensionContext.getDisplayName());
    }

    static void runWithin(Duration timeout, Invocation<Void> invocation, String name) {
        assertTimeoutPreemptively(timeout, () -> {
            invocation.proceed();
            return null;
        }, () -> "dynamic test '" + name + "' timed out after " + timeout);
    }

    /** JUnit's timeout syntax: a number and an optional unit (seconds by default). */
    static Optional<Duration> timeout(Optional<String> value) {
        if (value.isEmpty() || value.get().isBlank()) {
            return Optional.empty();
        }
        Matcher m = VALUE.matcher(value.get().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(PARAMETER + " '" + value.get() + "': not a JUnit timeout (e.g. 5 m)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        switch (unit) {
            case "ns": return Optional.of(Duration.ofNanos(n));
            case "μs": return Optional.of(Duration.ofNanos(n * 1000));
            case "ms": return Optional.of(Duration.ofMillis(n));
            case "m": return Optional.of(Duration.ofMinutes(n));
            case "h": return Optional.of(Duration.ofHours(n));
            case "d": return Optional.of(Duration.ofDays(n));
            default: return Optional.of(Duration.ofSeconds(n));
        }
    }
}
