package io.bitmirror.bitmap.engine.internal;

import io.bitmirror.bitmap.engine.BitmapEngineOptions;
import io.bitmirror.bitmap.engine.Mutant;

import java.util.Objects;
import java.util.function.BiFunction;

/**
 * Not API: tests, the crash explorer and the array's mutant SPI only. Sets a {@link Mutant} on
 * engine options, which {@link BitmapEngineOptions} keeps package-private; the options class
 * registers the setter from its static initializer (the JDK's SharedSecrets pattern).
 */
public final class EngineInternals {
    private static volatile BiFunction<BitmapEngineOptions, Mutant, BitmapEngineOptions> withMutant;

    private EngineInternals() {
    }

    /** Called once, by BitmapEngineOptions' static initializer; a second registration is refused. */
    public static synchronized void register(BiFunction<BitmapEngineOptions, Mutant, BitmapEngineOptions> setter) {
        if (withMutant != null) {
            throw new IllegalStateException("EngineInternals: already registered");
        }
        withMutant = Objects.requireNonNull(setter);
    }

    /** A copy of {@code options} whose engine runs with {@code mutant}. */
    public static BitmapEngineOptions withMutant(BitmapEngineOptions options, Mutant mutant) {
        // Holding an instance means the class ran its static initializer, so the setter is there.
        Objects.requireNonNull(options, "options");
        return withMutant.apply(options, Objects.requireNonNull(mutant, "mutant"));
    }
}
