package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bitmirror.bitmap.engine.Mutant;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Defect 8 of the defects issue: a system property once switched a deliberately broken bitmap on
 * in a production assemble. Options built the way the CLI builds them must stay on the real
 * engine whatever the JVM was started with.
 */
class NoMutantFromPropertiesTest {
    @Test
    void theOldPropertyNoLongerSelectsAMutant() {
        String before = System.getProperty("bitmirror.mutant");
        System.setProperty("bitmirror.mutant", "W2");
        try {
            AssembleOptions o = AssembleOptions.of(List.of(Path.of("/nonexistent/a"), Path.of("/nonexistent/b")));
            assertEquals(Mutant.NONE, o.mutant(), "-Dbitmirror.mutant must not reach a production assemble");
        } finally {
            if (before == null) {
                System.clearProperty("bitmirror.mutant");
            } else {
                System.setProperty("bitmirror.mutant", before);
            }
        }
    }
}
