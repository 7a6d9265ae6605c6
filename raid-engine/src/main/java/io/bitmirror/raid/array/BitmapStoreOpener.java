package io.bitmirror.raid.array;

import io.bitmirror.bitmap.store.BitmapStore;

import java.io.IOException;

/** Opens an external bitmap for an array (the bitmap-file module provides it). */
@FunctionalInterface
public interface BitmapStoreOpener {
    BitmapStore open(byte[] arrayUuid, long syncSizeSectors) throws IOException;
}
