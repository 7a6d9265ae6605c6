package io.bitmirror.raid.array;

import io.bitmirror.bitmap.store.BitmapStore;

import java.io.IOException;
import java.util.Objects;

/**
 * What {@link RaidArray#growBitmap} is asked to do: {@code --bitmap=none}, {@code internal} or a
 * file. An external file is created by the caller's {@link NewStore} (the bitmap-file module
 * resolves it with FIEMAP; raid-engine does not depend on it), which the array then formats.
 */
public final class BitmapChange {
    /** Which bitmap the array is to have. */
    public enum Kind { NONE, INTERNAL, FILE }

    /** Creates the store of a new external bitmap sized for {@code chunkBytes}. */
    @FunctionalInterface
    public interface NewStore {
        BitmapStore create(byte[] arrayUuid, long syncSizeSectors, int chunkBytes) throws IOException;
    }

    private final Kind kind;
    private final long chunkBytes;
    private final NewStore newStore;
    private final String description;
    /** Test hook (ArrayInternals only): the superblocks point at the bitmap before it is written. */
    private final boolean superblockFirstMutant;

    private BitmapChange(Kind kind, long chunkBytes, NewStore newStore, String description, boolean mutant) {
        this.kind = kind;
        this.chunkBytes = chunkBytes;
        this.newStore = newStore;
        this.description = description;
        this.superblockFirstMutant = mutant;
    }

    /** {@code --bitmap=none}. */
    public static BitmapChange none() {
        return new BitmapChange(Kind.NONE, 0, null, "none", false);
    }

    /** {@code --bitmap=internal}; {@code chunkBytes} 0: mdadm's default for the room there is. */
    public static BitmapChange internal(long chunkBytes) {
        return new BitmapChange(Kind.INTERNAL, chunkBytes, null, "internal", false);
    }

    /**
     * {@code --bitmap=PATH}; {@code chunkBytes} 0: mdadm's default for a file.
     *
     * @param description the file, for messages
     */
    public static BitmapChange file(long chunkBytes, NewStore newStore, String description) {
        return new BitmapChange(Kind.FILE, chunkBytes, Objects.requireNonNull(newStore, "newStore"), description,
                false);
    }

    public Kind kind() {
        return kind;
    }

    public long chunkBytes() {
        return chunkBytes;
    }

    NewStore newStore() {
        return newStore;
    }

    String description() {
        return description;
    }

    boolean superblockFirstMutant() {
        return superblockFirstMutant;
    }

    /** A copy whose grow writes the superblocks before the bitmap (reached via ArrayInternals only). */
    BitmapChange withSuperblockFirstMutant() {
        return new BitmapChange(kind, chunkBytes, newStore, description, true);
    }
}
