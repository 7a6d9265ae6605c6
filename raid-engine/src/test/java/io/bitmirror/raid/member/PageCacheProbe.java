package io.bitmirror.raid.member;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Asks the kernel whether a file's pages are dirty in the page cache, for tests of
 * {@code --cache=writeback}: the file range is mapped shared and read-only (so its page-table
 * entries point at the page cache's own pages), each page's frame number comes from
 * {@code /proc/self/pagemap}, and its flags from {@code /proc/kpageflags}. A page that is dirty
 * or under writeback after a FUA write or a flush returned is a write that fdatasync did not make
 * durable. Needs root (the frame numbers and kpageflags are CAP_SYS_ADMIN's).
 */
public final class PageCacheProbe {
    private PageCacheProbe() {
    }

    private static final int PAGE = 4096;
    /** kpageflags bits (Documentation/admin-guide/mm/pagemap.rst). */
    private static final long KPF_DIRTY = 1L << 4;
    private static final long KPF_WRITEBACK = 1L << 8;
    private static final long PM_PRESENT = 1L << 63;
    private static final long PM_PFN = (1L << 55) - 1;

    /**
     * Pages of {@code [offset, offset + length)} (page-aligned) of {@code file} that are dirty or
     * under writeback. Reading the mapping brings absent pages in clean, so a page that was never
     * written counts as clean.
     */
    public static int unsyncedPages(Path file, long offset, long length) throws IOException {
        if (offset % PAGE != 0 || length % PAGE != 0 || length <= 0) {
            throw new IllegalArgumentException("page-aligned ranges only: " + offset + "+" + length);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                FileChannel pagemap = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ);
                FileChannel kflags = FileChannel.open(Path.of("/proc/kpageflags"), StandardOpenOption.READ)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, offset, length);
            long base = Pointer.wrap(Runtime.getSystemRuntime(), map).address();
            ByteBuffer entry = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
            int unsynced = 0;
            for (long at = 0; at < length; at += PAGE) {
                // Touch the page so the mapping has a page-table entry for it.
                map.get((int) at);
                long pm = read(pagemap, entry, (base + at) / PAGE * 8);
                if ((pm & PM_PRESENT) == 0 || (pm & PM_PFN) == 0) {
                    throw new IOException(file + ": no frame number for page at " + (offset + at)
                            + " (pagemap entry " + Long.toHexString(pm) + "; root needed)");
                }
                long flags = read(kflags, entry, (pm & PM_PFN) * 8);
                if ((flags & (KPF_DIRTY | KPF_WRITEBACK)) != 0) {
                    unsynced++;
                }
            }
            return unsynced;
        }
    }

    private static long read(FileChannel ch, ByteBuffer entry, long position) throws IOException {
        entry.clear();
        while (entry.hasRemaining()) {
            if (ch.read(entry, position + entry.position()) < 0) {
                throw new IOException("short read at " + position);
            }
        }
        return entry.getLong(0);
    }
}
