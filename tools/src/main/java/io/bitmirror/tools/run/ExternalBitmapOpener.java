package io.bitmirror.tools.run;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmapfile.ExternalBitmap;
import io.bitmirror.raid.array.BitmapStoreOpener;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and opens an array's external bitmap: the file given with --bitmap, else the one the
 * registry recorded for the array's uuid (so assemble needs no path). A file that moved or
 * changed is refused unless --rebuild-bitmap, which rewrites it all dirty (a full resync).
 */
final class ExternalBitmapOpener implements BitmapStoreOpener {
    private static final Logger LOG = LoggerFactory.getLogger(ExternalBitmapOpener.class);

    private final Path file;
    private final List<Path> members;
    private final Path config;
    private final boolean rebuild;
    private Path used;

    ExternalBitmapOpener(Path file, List<Path> members, Path config, boolean rebuild) {
        this.file = file;
        this.members = members;
        this.config = config;
        this.rebuild = rebuild;
    }

    /** The bitmap file in use, once opened. */
    Path used() {
        return used;
    }

    @Override
    public BitmapStore open(byte[] uuid, long syncSizeSectors) throws IOException {
        Path f = file;
        if (f == null) {
            Optional<Path> found = ExternalBitmap.find(uuid, config);
            if (found.isEmpty()) {
                return null;
            }
            f = found.get();
            LOG.info("external bitmap {} (from the bitmap registry)", f);
        }
        ExternalBitmap.OpenResult r = ExternalBitmap.open(f, uuid, members, config, rebuild);
        used = f;
        if (r.rebuilt()) {
            int chunk = chunkOf(r.store());
            LOG.warn("bitmap file {} was rebuilt: every chunk is dirty, the array resyncs fully", f);
            WriteIntentBitmap.format(r.store(), uuid, syncSizeSectors, chunk, 5, 0, 0, true);
        }
        return r.store();
    }

    /** The chunk size in the file, if it still has a valid superblock; else mdadm's default. */
    private static int chunkOf(BitmapStore store) {
        try {
            ByteBuffer p = ByteBuffer.allocate(BitmapGeometry.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            store.readPage(0, p);
            int c = new BitmapSuperblock().wrap(p, 0).chunksize();
            if (c >= 4096 && Integer.bitCount(c) == 1) {
                return c;
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("bitmap superblock unreadable: {}", e.toString());
        }
        return 64 << 20;
    }
}
