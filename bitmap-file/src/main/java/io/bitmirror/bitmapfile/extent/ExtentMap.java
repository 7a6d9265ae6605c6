package io.bitmirror.bitmapfile.extent;

import static io.bitmirror.bitmapfile.BitmapFileException.about;

import io.bitmirror.bitmapfile.BitmapFileException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where every byte of a file of {@code size} bytes lives on the device: extents sorted by file
 * offset, cut to the file's size and with physically contiguous neighbours merged, so two
 * resolutions of an unchanged file compare equal however the filesystem chose to report them.
 */
public final class ExtentMap {
    private final long size;
    private final List<Extent> extents;

    private ExtentMap(long size, List<Extent> extents) {
        this.size = size;
        this.extents = List.copyOf(extents);
    }

    /**
     * Normalises raw extents (as FIEMAP or FIBMAP report them) of a file of {@code size} bytes:
     * drops extents past the end (xfs reports speculative preallocation there), sorts, merges
     * neighbours that continue on disk with the same flags. Does not validate.
     */
    public static ExtentMap of(long size, List<Extent> raw) {
        List<Extent> sorted = new ArrayList<>(raw);
        sorted.sort(Comparator.comparingLong(Extent::logical));
        List<Extent> out = new ArrayList<>();
        for (Extent e : sorted) {
            if (e.logical() >= size || e.length() <= 0) {
                continue;
            }
            int flags = e.flags() & ~ExtentFlags.LAST & ~ExtentFlags.MERGED;
            if (!out.isEmpty()) {
                Extent p = out.get(out.size() - 1);
                if (p.logicalEnd() == e.logical() && p.physical() + p.length() == e.physical() && p.flags() == flags) {
                    out.set(out.size() - 1, new Extent(p.logical(), p.physical(), p.length() + e.length(), flags));
                    continue;
                }
            }
            out.add(new Extent(e.logical(), e.physical(), e.length(), flags));
        }
        return new ExtentMap(size, out);
    }

    /** File size in bytes. */
    public long size() {
        return size;
    }

    /** Normalised extents, sorted by file offset. */
    public List<Extent> extents() {
        return extents;
    }

    /**
     * Refuses a map that cannot take direct writes: an empty file, holes (a sparse file), any
     * refused flag (see {@link ExtentFlags#REFUSED}), or addresses and lengths that are not
     * multiples of the device's logical block size.
     */
    public void validate(Object file, int logicalBlockSize) throws BitmapFileException {
        if (size <= 0) {
            throw new BitmapFileException(about(file) + "is empty");
        }
        long covered = 0;
        long need = roundUp(size, logicalBlockSize);
        for (Extent e : extents) {
            if (e.logical() > covered) {
                throw new BitmapFileException(about(file) + "is sparse: a hole at bytes " + covered + "-"
                        + (e.logical() - 1) + " has no block; create the file by writing every byte");
            }
            String why = ExtentFlags.refusal(e.flags());
            if (why != null) {
                throw new BitmapFileException(about(file) + why + " (file bytes " + e.logical() + "-"
                        + (e.logicalEnd() - 1) + ", flags " + ExtentFlags.names(e.flags()) + ")");
            }
            if (e.physical() % logicalBlockSize != 0 || e.logical() % logicalBlockSize != 0
                    || (e.logicalEnd() < need && e.length() % logicalBlockSize != 0)) {
                throw new BitmapFileException(about(file) + "extent " + e + " is not aligned to the device's "
                        + logicalBlockSize + "-byte logical blocks");
            }
            covered = Math.max(covered, e.logicalEnd());
        }
        if (covered < need) {
            throw new BitmapFileException(about(file) + "is sparse: a hole at bytes " + covered + "-" + (size - 1)
                    + " has no block; create the file by writing every byte");
        }
    }

    /** Device byte offset of file byte {@code fileOffset}, or -1 in a hole. */
    public long deviceOffset(long fileOffset) {
        for (Extent e : extents) {
            if (fileOffset >= e.logical() && fileOffset < e.logicalEnd()) {
                return e.physical() + (fileOffset - e.logical());
            }
        }
        return -1;
    }

    /** Same size and same places on disk. */
    public boolean sameAs(ExtentMap o) {
        if (size != o.size || extents.size() != o.extents.size()) {
            return false;
        }
        for (int i = 0; i < extents.size(); i++) {
            if (!extents.get(i).samePlace(o.extents.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Extents in config-file form: {@code logical:physical:length,...}. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (Extent e : extents) {
            sb.append(sb.length() == 0 ? "" : ",").append(e);
        }
        return sb.toString();
    }

    /** Parses {@link #format()}. */
    public static ExtentMap parse(long size, String text) {
        List<Extent> list = new ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                list.add(Extent.parse(s.trim()));
            }
        }
        return of(size, list);
    }

    static long roundUp(long v, long unit) {
        return (v + unit - 1) / unit * unit;
    }

    @Override
    public String toString() {
        return "size=" + size + " extents=" + format();
    }
}
