/**
 * An NBD server for an array (NetworkBlockDevice/nbd doc/proto.md): the fixed newstyle
 * handshake (options GO, INFO, LIST, ABORT, EXPORT_NAME), then transmission with READ, WRITE,
 * FLUSH, TRIM, WRITE_ZEROES and DISC, the FUA flag, many requests in flight per connection and
 * replies out of order. Wire formats are descriptor constants ({@link io.bitmirror.raid.nbd.Nbd})
 * plus flyweights; request buffers come from the array's slot pool (no allocation per request).
 */
package io.bitmirror.raid.nbd;
