package io.bitmirror.bitmapfile.extent;

/**
 * Bitmap pages (4 KiB) mapped to device writes, computed once at open so that the write path
 * only reads flat arrays. A page that crosses an extent boundary becomes several segments; the
 * last page of a file that is not a whole number of pages is cut at the end of the file,
 * rounded up to the logical block size (O_DIRECT needs whole logical blocks; the rest of the
 * filesystem block belongs to this file and is never read back by the filesystem).
 */
public final class PageMap {
    private final int pageSize;
    private final int pages;
    private final int[] firstSegment;
    private final long[] device;
    private final int[] pageOffset;
    private final int[] length;

    private PageMap(int pageSize, int pages, int[] firstSegment, long[] device, int[] pageOffset, int[] length) {
        this.pageSize = pageSize;
        this.pages = pages;
        this.firstSegment = firstSegment;
        this.device = device;
        this.pageOffset = pageOffset;
        this.length = length;
    }

    /** Maps every page of a validated {@code map}. */
    public static PageMap of(ExtentMap map, int pageSize, int logicalBlockSize) {
        long writable = ExtentMap.roundUp(map.size(), logicalBlockSize);
        int pages = (int) ((map.size() + pageSize - 1) / pageSize);
        int[] first = new int[pages + 1];
        long[] dev = new long[pages + map.extents().size() + 1];
        int[] off = new int[dev.length];
        int[] len = new int[dev.length];
        int n = 0;
        for (int p = 0; p < pages; p++) {
            first[p] = n;
            long at = (long) p * pageSize;
            long end = Math.min(at + pageSize, writable);
            while (at < end) {
                Extent e = extentAt(map, at);
                long run = Math.min(end, e.logicalEnd()) - at;
                dev[n] = e.physical() + (at - e.logical());
                off[n] = (int) (at - (long) p * pageSize);
                len[n] = (int) run;
                n++;
                at += run;
            }
        }
        first[pages] = n;
        return new PageMap(pageSize, pages, first, dev, off, len);
    }

    private static Extent extentAt(ExtentMap map, long at) {
        for (Extent e : map.extents()) {
            if (at >= e.logical() && at < e.logicalEnd()) {
                return e;
            }
        }
        throw new IllegalStateException("file offset " + at + " is not mapped; validate the extent map first");
    }

    public int pageSize() {
        return pageSize;
    }

    public int pages() {
        return pages;
    }

    /** Index of page {@code page}'s first segment; its last is {@code firstSegment(page + 1) - 1}. */
    public int firstSegment(int page) {
        return firstSegment[page];
    }

    /** Device byte offset of segment {@code s}. */
    public long device(int s) {
        return device[s];
    }

    /** Offset of segment {@code s} inside its page. */
    public int pageOffset(int s) {
        return pageOffset[s];
    }

    /** Bytes of segment {@code s}. */
    public int length(int s) {
        return length[s];
    }

    /** Bytes written for page {@code page} (4096 except a partial last page, rounded up). */
    public int pageBytes(int page) {
        int sum = 0;
        for (int s = firstSegment[page]; s < firstSegment[page + 1]; s++) {
            sum += length[s];
        }
        return sum;
    }
}
