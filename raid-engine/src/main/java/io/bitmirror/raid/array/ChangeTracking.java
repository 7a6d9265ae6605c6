package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.ChangeBitmap;
import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.ArrayException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The changed-block bitmaps of one array (changed-block tracking): one file {@code NAME.cbt}
 * each in the array's changes directory, attached to its write-intent bitmap, which sets and
 * syncs their bits (see {@link ChangeBitmap}). Start, clear and stop come from the control
 * socket; block status of {@code qemu:dirty-bitmap:NAME} reads them.
 */
public final class ChangeTracking {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String SUFFIX = ".cbt";

    private final String array;
    private final Path dir;
    /**
     * The write-intent bitmap now (grow may swap it: it refuses while any changed-block bitmap
     * exists, so the engine a tracker is attached to never goes away under it).
     */
    private final Supplier<WriteIntentBitmap> source;
    private final byte[] uuid;

    ChangeTracking(String array, Path dir, Supplier<WriteIntentBitmap> source, byte[] uuid) {
        this.array = array;
        this.dir = dir;
        this.source = source;
        this.uuid = uuid;
    }

    /** Attaches every bitmap found in the directory (assembly): tracking goes on where it was. */
    void loadAll() throws ArrayException {
        if (dir == null || bitmap() == null || !Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                ChangeBitmap b;
                try {
                    b = ChangeBitmap.open(f, uuid, bitmap().chunkBytes(), bitmap().chunks());
                } catch (MdFormatException e) {
                    throw new ArrayException(f + ": " + e.getMessage(), e);
                }
                if (bitmap().readOnly()) {
                    // Nothing is written: keep it only for reading through block status.
                    readOnlyKept.add(b);
                } else {
                    bitmap().attachTracker(b);
                }
            }
        } catch (IOException e) {
            throw new ArrayException("changed-block bitmaps in " + dir + ": " + e.getMessage(), e);
        }
    }

    private final List<ChangeBitmap> readOnlyKept = new ArrayList<>();

    private void usable(String name, String what) throws ArrayException {
        if (bitmap() == null) {
            throw new ArrayException(what + " " + name + ": array " + array
                    + " has no write-intent bitmap, which changed-block tracking needs");
        }
        if (dir == null) {
            throw new ArrayException(what + " " + name + ": no changes directory was given at assembly");
        }
        if (!NAME.matcher(name).matches()) {
            throw new ArrayException(what + " '" + name + "': a name is 1 to 64 letters, digits, '.', '_' or '-'");
        }
    }

    /** Starts tracking into a new bitmap {@code name}; durable when this returns. */
    public synchronized void track(String name) throws ArrayException {
        usable(name, "track-changes");
        if (bitmap().readOnly()) {
            throw new ArrayException("track-changes " + name + ": array " + array + " is read-only");
        }
        if (find(name) != null) {
            throw new ArrayException("track-changes " + name + ": already tracking");
        }
        try {
            Files.createDirectories(dir);
            bitmap().attachTracker(ChangeBitmap.create(dir.resolve(name + SUFFIX), name, uuid, bitmap().chunkBytes(),
                    bitmap().chunks()));
        } catch (IOException e) {
            throw new ArrayException("track-changes " + name + ": " + e.getMessage(), e);
        }
    }

    /** Clears bitmap {@code name} (after a backup); the cleared bits are durable when this returns. */
    public synchronized void clear(String name) throws ArrayException {
        usable(name, "clear-changes");
        if (find(name) == null) {
            throw new ArrayException("clear-changes " + name + ": no such changed-block bitmap");
        }
        if (!bitmap().clearChanges(name)) {
            throw new ArrayException("clear-changes " + name + ": writing the bitmap failed");
        }
    }

    /** Stops tracking into {@code name} and deletes its file. */
    public synchronized void stop(String name) throws ArrayException {
        usable(name, "stop-tracking");
        if (find(name) == null) {
            throw new ArrayException("stop-tracking " + name + ": no such changed-block bitmap");
        }
        ChangeBitmap b = bitmap().detachTracker(name);
        try {
            b.closeFile();
            Files.deleteIfExists(b.file());
        } catch (IOException e) {
            throw new ArrayException("stop-tracking " + name + ": " + e.getMessage(), e);
        }
    }

    /** The bitmap called {@code name}, or null. */
    public ChangeBitmap find(String name) {
        if (bitmap() == null) {
            return null;
        }
        ChangeBitmap b = bitmap().tracker(name);
        if (b != null) {
            return b;
        }
        for (ChangeBitmap r : readOnlyKept) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }

    /** Every bitmap, for detail and the meta context list. */
    public List<ChangeBitmap> all() {
        List<ChangeBitmap> out = new ArrayList<>();
        if (bitmap() != null) {
            out.addAll(bitmap().trackers());
        }
        out.addAll(readOnlyKept);
        return out;
    }

    private WriteIntentBitmap bitmap() {
        return source.get();
    }

    /** Bytes of array data per tracking bit (the write-intent chunk). */
    public long chunkBytes() {
        return bitmap() == null ? 0 : bitmap().chunkBytes();
    }
}
