package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.raid.internal.ArrayInternals;

import java.util.List;

/**
 * The array package's side of {@link ArrayInternals}: forwards to the package-private hooks of
 * {@link RaidArray} and {@link AssembleOptions}. Registered by RaidArray's static initializer.
 */
final class InternalAccess implements ArrayInternals.Access {
    @Override
    public void abandon(RaidArray array) {
        array.abandon();
    }

    @Override
    public List<Thread> ioThreads(RaidArray array) {
        return array.ioThreads();
    }

    @Override
    public AssembleOptions withMutant(AssembleOptions options, Mutant mutant) {
        return options.withMutant(mutant);
    }

    @Override
    public Mutant mutant(AssembleOptions options) {
        return options.mutant();
    }

    @Override
    public BitmapChange superblockFirst(BitmapChange change) {
        return change.withSuperblockFirstMutant();
    }
}
