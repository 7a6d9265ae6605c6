package io.bitmirror.bitmapfile.extent;

/**
 * One run of a file: {@code length} bytes at file offset {@code logical} stored at byte
 * {@code physical} of the block device under the filesystem. {@code flags} are FIEMAP_EXTENT_*.
 */
public record Extent(long logical, long physical, long length, int flags) {

    /** First file offset after the extent. */
    public long logicalEnd() {
        return logical + length;
    }

    /** Same place on disk (flags such as LAST are not part of where the bytes live). */
    public boolean samePlace(Extent o) {
        return logical == o.logical && physical == o.physical && length == o.length;
    }

    /** {@code logical:physical:length}, the config-file form. */
    @Override
    public String toString() {
        return logical + ":" + physical + ":" + length;
    }

    /** Parses {@link #toString()}. */
    public static Extent parse(String s) {
        String[] f = s.split(":");
        if (f.length != 3) {
            throw new IllegalArgumentException("extent '" + s + "' is not logical:physical:length");
        }
        return new Extent(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), 0);
    }
}
