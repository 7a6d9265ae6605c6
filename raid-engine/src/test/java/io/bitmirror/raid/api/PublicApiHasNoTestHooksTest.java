package io.bitmirror.raid.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitmirror.bitmap.engine.BitmapEngineOptions;
import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.array.ArrayStatus;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.internal.ArrayInternals;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The test hooks (a power cut, the write path's threads, deliberate bitmap bugs) are not part
 * of the embedding API: no public method, constructor or field of the API classes names them
 * or takes a {@link Mutant}; they are reached only through {@link ArrayInternals}.
 */
class PublicApiHasNoTestHooksTest {
    private static final List<Class<?>> API = List.of(RaidArray.class, AssembleOptions.class,
            AssembleOptions.Builder.class, CreateSpec.class, CreateSpec.Builder.class, ArrayCreator.class,
            ArrayCreator.Plan.class, ArrayStatus.class, ArrayStatus.Member.class, ArrayException.class,
            BitmapEngineOptions.class);

    private static boolean hook(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("mutant") || n.contains("abandon") || n.contains("iothreads");
    }

    private static boolean mentionsMutant(Type t) {
        return t.getTypeName().contains(Mutant.class.getName());
    }

    @Test
    void noPublicMemberOfTheApiNamesAHookOrTakesAMutant() {
        List<String> bad = new ArrayList<>();
        for (Class<?> c : API) {
            for (Method m : c.getMethods()) {
                boolean typed = mentionsMutant(m.getGenericReturnType());
                for (Type p : m.getGenericParameterTypes()) {
                    typed |= mentionsMutant(p);
                }
                if (hook(m.getName()) || typed) {
                    bad.add(c.getSimpleName() + "." + m.getName());
                }
            }
            for (Constructor<?> k : c.getConstructors()) {
                for (Type p : k.getGenericParameterTypes()) {
                    if (mentionsMutant(p)) {
                        bad.add(c.getSimpleName() + " constructor");
                    }
                }
            }
            for (Field f : c.getFields()) {
                if (hook(f.getName()) || mentionsMutant(f.getGenericType())) {
                    bad.add(c.getSimpleName() + "." + f.getName());
                }
            }
        }
        assertEquals(List.of(), bad, "test hooks in the public API");
    }

    @Test
    void optionsAndSpecsHaveNoPublicConstructorAndNoWithers() {
        for (Class<?> c : List.of(AssembleOptions.class, CreateSpec.class, AssembleOptions.Builder.class,
                CreateSpec.Builder.class)) {
            assertEquals(0, c.getConstructors().length, c.getSimpleName() + " has a public constructor");
            assertTrue(Modifier.isFinal(c.getModifiers()), c.getSimpleName() + " is final");
            for (Method m : c.getMethods()) {
                assertTrue(!m.getName().startsWith("with"), c.getSimpleName() + "." + m.getName());
            }
        }
    }

    @Test
    void theInternalSpiStillReachesTheMutantsWithoutChangingTheOriginal() {
        AssembleOptions plain = AssembleOptions.builder(Path.of("/nonexistent/a"), Path.of("/nonexistent/b"))
                .run(true).maxSpeedKiB(5_000).build();
        AssembleOptions broken = ArrayInternals.withMutant(plain, Mutant.W2);
        assertNotSame(plain, broken);
        assertEquals(Mutant.W2, ArrayInternals.mutant(broken));
        assertEquals(Mutant.NONE, ArrayInternals.mutant(plain), "the original options stay on the real engine");
        assertEquals(plain.devices(), broken.devices());
        assertTrue(broken.run());
        assertEquals(5_000, broken.maxSpeedKiB(), "the copy keeps every other option");
        // Deriving new options from mutated ones through the public builder drops the mutant.
        assertEquals(Mutant.NONE, ArrayInternals.mutant(broken.toBuilder().build()));
    }
}
