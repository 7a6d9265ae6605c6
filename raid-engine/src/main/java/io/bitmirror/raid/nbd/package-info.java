/**
 * An NBD server for an array (NetworkBlockDevice/nbd doc/proto.md): the fixed newstyle
 * handshake (options GO, INFO, LIST, ABORT, EXPORT_NAME, STARTTLS, STRUCTURED_REPLY,
 * LIST/SET_META_CONTEXT), then transmission with READ, WRITE, FLUSH, TRIM, WRITE_ZEROES,
 * BLOCK_STATUS (base:allocation) and DISC, the FUA, DF and REQ_ONE flags, simple or structured
 * replies, many requests in flight per connection and replies out of order. TLS is the JDK's
 * SSLEngine behind a channel ({@code TlsChannel}), keys from PEM files ({@link io.bitmirror.raid.nbd.PemTls});
 * {@link io.bitmirror.raid.nbd.NbdOptions} holds TLS and the connection and handshake limits. Wire formats are descriptor constants ({@link io.bitmirror.raid.nbd.Nbd})
 * plus flyweights; request buffers come from the array's slot pool (no allocation per request).
 * The connection only parses and replies: any offset and length goes to the array as it came
 * (the array merges partial blocks).
 * Per connection: a buffered receive side ({@code SocketInput}), a reply side that batches the
 * reader's replies ({@code ReplyOutput}), and {@code InlinePolicy}, which decides whether the
 * reader runs a request itself or hands it to a worker ({@link io.bitmirror.raid.nbd.Dispatch}).
 */
package io.bitmirror.raid.nbd;
