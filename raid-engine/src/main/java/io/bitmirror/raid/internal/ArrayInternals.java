package io.bitmirror.raid.internal;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;

import java.util.List;
import java.util.Objects;

/**
 * Not API: tests, the crash explorer and bench only. The hooks the public classes do not offer:
 * {@link #abandon} (a power cut), {@link #ioThreads} (for allocation checks) and
 * {@link #withMutant} (a deliberate bitmap bug, to prove the checks notice).
 *
 * <p>The public classes keep these as package-private methods and hand this class an
 * {@link Access} from {@link RaidArray}'s static initializer, so the hooks exist without being
 * methods of {@code RaidArray} or {@code AssembleOptions} (the JDK's SharedSecrets pattern).
 */
public final class ArrayInternals {
    /** What the array package implements; registered once. */
    public interface Access {
        void abandon(RaidArray array);

        List<Thread> ioThreads(RaidArray array);

        AssembleOptions withMutant(AssembleOptions options, Mutant mutant);

        Mutant mutant(AssembleOptions options);

        io.bitmirror.raid.array.BitmapChange superblockFirst(io.bitmirror.raid.array.BitmapChange change);
    }

    private static volatile Access access;

    private ArrayInternals() {
    }

    /** Called once, by {@link RaidArray}'s static initializer; a second registration is refused. */
    public static synchronized void register(Access a) {
        if (access != null) {
            throw new IllegalStateException("ArrayInternals: access already registered");
        }
        access = Objects.requireNonNull(a);
    }

    private static Access access() {
        Access a = access;
        if (a == null) {
            // withMutant can come before any RaidArray exists: initialize the class that
            // registers (a no-op when it already ran; its static initializer calls register).
            try {
                Class.forName(RaidArray.class.getName(), true, RaidArray.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            a = access;
            if (a == null) {
                throw new IllegalStateException("ArrayInternals: RaidArray did not register");
            }
        }
        return a;
    }

    /**
     * Drops the array as a power cut would: threads stop, members close, nothing more is written,
     * not even the bitmap pages dirty in memory. The members are left as a crash leaves them.
     */
    public static void abandon(RaidArray array) {
        access().abandon(array);
    }

    /**
     * The threads of the write path (member I/O, bitmap flusher and daemon) and the
     * housekeeper, for allocation checks.
     */
    public static List<Thread> ioThreads(RaidArray array) {
        return access().ioThreads(array);
    }

    /** A copy of {@code options} whose bitmap engine runs with {@code mutant}. */
    public static AssembleOptions withMutant(AssembleOptions options, Mutant mutant) {
        return access().withMutant(options, mutant);
    }

    /**
     * A copy of {@code change} whose grow writes the superblocks (feature bit, bitmap_offset)
     * before the bitmap area: a deliberate W3 bug, for the grow crash workload's mutant run.
     */
    public static io.bitmirror.raid.array.BitmapChange superblockFirstMutant(io.bitmirror.raid.array.BitmapChange c) {
        return access().superblockFirst(c);
    }

    /** The mutant {@code options} carry ({@link Mutant#NONE} unless {@link #withMutant} set one). */
    public static Mutant mutant(AssembleOptions options) {
        return access().mutant(options);
    }
}
