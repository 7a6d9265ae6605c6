/**
 * A file's extents: the FIEMAP request/response layout ({@link
 * io.bitmirror.bitmapfile.extent.FiemapLayout}) and its flyweight, the FIEMAP_EXTENT flags and
 * which of them are refused, resolution by FIEMAP with FIBMAP as the fallback ({@link
 * io.bitmirror.bitmapfile.extent.ExtentResolver}), the normalised and validated {@link
 * io.bitmirror.bitmapfile.extent.ExtentMap}, and the page-to-device-write table the store uses
 * ({@link io.bitmirror.bitmapfile.extent.PageMap}).
 */
package io.bitmirror.bitmapfile.extent;
