package io.bitmirror.raid.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The fixed newstyle handshake, server side. Options GO, INFO, LIST, ABORT, EXPORT_NAME,
 * STARTTLS (unless TLS is off), STRUCTURED_REPLY, LIST_META_CONTEXT and SET_META_CONTEXT
 * (base:allocation) are served; every other option is answered NBD_REP_ERR_UNSUP. Under
 * {@link TlsMode#REQUIRE} every option but STARTTLS and ABORT is answered NBD_REP_ERR_TLS_REQD
 * until TLS is up. Runs once per connection, before transmission: allocation is fine here, but
 * never more than {@link Nbd#MAX_OPTION} bytes per option, and an error reply quotes at most
 * {@link #ECHO_CHARS} characters of what the client sent.
 */
final class Handshake {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Handshake.class);
    /** What the client chose. */
    enum Outcome { TRANSMIT, ABORT }

    /** A TLS handshake that failed: the connection logs it as one line. */
    static final class TlsFailure extends IOException {
        TlsFailure(String message) {
            super(message);
        }
    }

    /** Characters of a client's export name quoted back in an error reply or a log line. */
    static final int ECHO_CHARS = 32;
    /** The id of base:allocation in block status replies. */
    static final int BASE_ALLOCATION_ID = 1;
    /** The id of the selected qemu:dirty-bitmap:NAME in block status replies. */
    static final int DIRTY_BITMAP_ID = 2;

    private final SocketChannel raw;
    private final NbdServer server;
    private final String exportName;
    private final String description;
    private final long size;
    private final int transmissionFlags;
    private final int preferredBlock;
    private ByteChannel ch;
    private boolean noZeroes;
    private boolean tls;
    private boolean structured;
    private boolean baseAllocation;
    /** The changed-block bitmap selected as qemu:dirty-bitmap:NAME, or null. */
    private String dirtyBitmap;
    private final int id;
    private boolean refusedPlain;

    Handshake(SocketChannel raw, NbdServer server, int id, long size, int preferredBlock) {
        this.raw = raw;
        this.id = id;
        this.ch = raw;
        this.server = server;
        this.exportName = server.exportName();
        this.description = server.description();
        this.size = size;
        this.transmissionFlags = server.transmissionFlags();
        this.preferredBlock = preferredBlock;
    }

    /** The channel transmission runs on: the socket, or TLS over it after STARTTLS. */
    ByteChannel channel() {
        return ch;
    }

    boolean structured() {
        return structured;
    }

    /** base:allocation was selected (SET_META_CONTEXT): block status is served. */
    boolean baseAllocation() {
        return baseAllocation;
    }

    /** The name of the changed-block bitmap selected (qemu:dirty-bitmap:NAME), or null. */
    String dirtyBitmap() {
        return dirtyBitmap;
    }

    boolean tls() {
        return tls;
    }

    Outcome run() throws IOException {
        ByteBuffer hello = buf(18);
        hello.putLong(Nbd.NBDMAGIC).putLong(Nbd.IHAVEOPT).putShort((short) (Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES));
        send(hello.flip());
        ByteBuffer cf = read(4);
        int clientFlags = cf.getInt();
        if ((clientFlags & ~(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES)) != 0) {
            throw new IOException("client flags 0x" + Integer.toHexString(clientFlags) + " not understood");
        }
        noZeroes = (clientFlags & Nbd.FLAG_C_NO_ZEROES) != 0;
        while (true) {
            ByteBuffer h = read(16);
            long magic = h.getLong();
            int option = h.getInt();
            long length = Integer.toUnsignedLong(h.getInt());
            if (magic != Nbd.IHAVEOPT) {
                throw new IOException("option magic 0x" + Long.toHexString(magic) + " is not IHAVEOPT");
            }
            if (length > Nbd.MAX_OPTION) {
                if (length > 16L << 20) {
                    throw new IOException("option " + option + " with " + length + " bytes of data: too large");
                }
                // Read and dropped in small pieces: the data is never held.
                discard(length);
                reply(option, Nbd.REP_ERR_TOO_BIG, msg("option data too large"));
                continue;
            }
            ByteBuffer data = read((int) length);
            if (server.tlsMode() == TlsMode.REQUIRE && !tls && option != Nbd.OPT_STARTTLS
                    && option != Nbd.OPT_ABORT) {
                if (option == Nbd.OPT_EXPORT_NAME) {
                    // No error reply exists for this option: the protocol says close.
                    throw new IOException("EXPORT_NAME before TLS, which is required");
                }
                if (!refusedPlain) {
                    // One line per connection, however many options it tries.
                    refusedPlain = true;
                    LOG.info("connection {}: option {} refused before TLS (--tls=require)", id, option);
                }
                reply(option, Nbd.REP_ERR_TLS_REQD, msg("TLS is required: use STARTTLS first"));
                continue;
            }
            switch (option) {
                case Nbd.OPT_EXPORT_NAME: {
                    String name = StandardCharsets.UTF_8.decode(data).toString();
                    if (!matches(name)) {
                        // This option has no error reply: the protocol says close.
                        throw new IOException("unknown export '" + echo(name) + "'");
                    }
                    ByteBuffer r = buf(noZeroes ? 10 : 134);
                    // No structured replies here: EXPORT_NAME cannot follow a negotiation that
                    // clients rely on, and the flags are those of the plain export.
                    r.putLong(size).putShort((short) flags());
                    if (!noZeroes) {
                        r.put(new byte[124]);
                    }
                    send(r.flip());
                    return Outcome.TRANSMIT;
                }
                case Nbd.OPT_ABORT:
                    try {
                        reply(option, Nbd.REP_ACK, buf(0));
                    } catch (IOException ignored) {
                        // the client may already have gone; aborting is what it asked for
                    }
                    return Outcome.ABORT;
                case Nbd.OPT_LIST: {
                    if (length != 0) {
                        reply(option, Nbd.REP_ERR_INVALID, msg("LIST takes no data"));
                        break;
                    }
                    byte[] n = exportName.getBytes(StandardCharsets.UTF_8);
                    ByteBuffer r = buf(4 + n.length);
                    r.putInt(n.length).put(n);
                    reply(option, Nbd.REP_SERVER, r.flip());
                    reply(option, Nbd.REP_ACK, buf(0));
                    break;
                }
                case Nbd.OPT_STARTTLS:
                    startTls(length);
                    break;
                case Nbd.OPT_STRUCTURED_REPLY:
                    if (length != 0) {
                        reply(option, Nbd.REP_ERR_INVALID, msg("STRUCTURED_REPLY takes no data"));
                        break;
                    }
                    structured = true;
                    reply(option, Nbd.REP_ACK, buf(0));
                    break;
                case Nbd.OPT_LIST_META_CONTEXT:
                case Nbd.OPT_SET_META_CONTEXT:
                    metaContext(option, data);
                    break;
                case Nbd.OPT_INFO:
                case Nbd.OPT_GO:
                    if (info(option, data)) {
                        return Outcome.TRANSMIT;
                    }
                    break;
                default:
                    reply(option, Nbd.REP_ERR_UNSUP, msg("option " + option + " is not supported"));
            }
        }
    }

    /** The transmission flags: DF is offered with structured replies (a read is always one chunk). */
    private int flags() {
        return structured ? transmissionFlags | Nbd.TFLAG_SEND_DF : transmissionFlags;
    }

    private void startTls(long length) throws IOException {
        if (server.tlsMode() == TlsMode.OFF) {
            reply(Nbd.OPT_STARTTLS, Nbd.REP_ERR_UNSUP, msg("TLS is not enabled on this export"));
            return;
        }
        if (length != 0) {
            reply(Nbd.OPT_STARTTLS, Nbd.REP_ERR_INVALID, msg("STARTTLS takes no data"));
            return;
        }
        if (tls) {
            reply(Nbd.OPT_STARTTLS, Nbd.REP_ERR_INVALID, msg("TLS is already on"));
            return;
        }
        reply(Nbd.OPT_STARTTLS, Nbd.REP_ACK, buf(0));
        // Nothing of the client's was read past the option (reads here are exact), so the TLS
        // handshake starts with the socket's next byte.
        try {
            ch = TlsChannel.accept(raw, server.tlsContext(), server.tlsVerifyPeer());
        } catch (IOException e) {
            throw new TlsFailure("TLS handshake failed: " + e.getMessage());
        }
        tls = true;
        // The protocol: what was negotiated in plain text does not carry over.
        structured = false;
        baseAllocation = false;
        dirtyBitmap = null;
    }

    /**
     * LIST_META_CONTEXT or SET_META_CONTEXT: export name, then the queries. The contexts are
     * base:allocation and one {@code qemu:dirty-bitmap:NAME} per changed-block bitmap (qemu's
     * names; at most one of them selected per connection, as qemu exports one per export).
     */
    private void metaContext(int option, ByteBuffer data) throws IOException {
        boolean set = option == Nbd.OPT_SET_META_CONTEXT;
        if (set && !structured) {
            reply(option, Nbd.REP_ERR_INVALID, msg("SET_META_CONTEXT needs structured replies first"));
            return;
        }
        String name = string(data);
        if (name == null || data.remaining() < 4) {
            reply(option, Nbd.REP_ERR_INVALID, msg("meta context request malformed"));
            return;
        }
        long queries = Integer.toUnsignedLong(data.getInt());
        boolean matched = false;
        boolean all = queries == 0 && !set;
        java.util.List<io.bitmirror.bitmap.engine.ChangeBitmap> bitmaps = server.array().changes().all();
        java.util.LinkedHashSet<String> dirty = new java.util.LinkedHashSet<>();
        for (long q = 0; q < queries; q++) {
            String query = string(data);
            if (query == null) {
                reply(option, Nbd.REP_ERR_INVALID, msg("meta context query " + q + " exceeds the option data"));
                return;
            }
            matched |= query.equals(Nbd.META_BASE_ALLOCATION) || (!set && query.equals("base:"));
            for (io.bitmirror.bitmap.engine.ChangeBitmap b : bitmaps) {
                String ctx = Nbd.META_DIRTY_BITMAP_PREFIX + b.name();
                if (query.equals(ctx) || (!set && (query.equals("qemu:") || query.equals(Nbd.META_DIRTY_BITMAP_PREFIX)))) {
                    dirty.add(b.name());
                }
            }
        }
        if (data.hasRemaining()) {
            reply(option, Nbd.REP_ERR_INVALID, msg("meta context request has trailing data"));
            return;
        }
        if (!matches(name)) {
            reply(option, Nbd.REP_ERR_UNKNOWN, msg("no export named '" + echo(name) + "'"));
            return;
        }
        if (all) {
            for (io.bitmirror.bitmap.engine.ChangeBitmap b : bitmaps) {
                dirty.add(b.name());
            }
        }
        if (set) {
            // A new SET replaces what an earlier one selected.
            baseAllocation = matched;
            dirtyBitmap = dirty.isEmpty() ? null : dirty.iterator().next();
        }
        if (matched || all) {
            metaReply(option, BASE_ALLOCATION_ID, Nbd.META_BASE_ALLOCATION);
        }
        int id = DIRTY_BITMAP_ID;
        for (String d : dirty) {
            metaReply(option, id, Nbd.META_DIRTY_BITMAP_PREFIX + d);
            if (set) {
                break;
            }
            id++;
        }
        reply(option, Nbd.REP_ACK, buf(0));
    }

    private void metaReply(int option, int contextId, String context) throws IOException {
        byte[] n = context.getBytes(StandardCharsets.UTF_8);
        ByteBuffer r = buf(4 + n.length);
        r.putInt(contextId).put(n);
        reply(option, Nbd.REP_META_CONTEXT, r.flip());
    }

    /** A u32 length and that many UTF-8 bytes, or null when the length exceeds the data. */
    private static String string(ByteBuffer data) {
        if (data.remaining() < 4) {
            return null;
        }
        long n = Integer.toUnsignedLong(data.getInt());
        if (n > data.remaining()) {
            return null;
        }
        byte[] b = new byte[(int) n];
        data.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** INFO or GO: true when GO succeeded (transmission starts). */
    private boolean info(int option, ByteBuffer data) throws IOException {
        if (data.remaining() < 6) {
            reply(option, Nbd.REP_ERR_INVALID, msg("INFO/GO data too short"));
            return false;
        }
        long nameLen = Integer.toUnsignedLong(data.getInt());
        if (nameLen > data.remaining() - 2) {
            reply(option, Nbd.REP_ERR_INVALID, msg("name length " + nameLen + " exceeds the option data"));
            return false;
        }
        byte[] nb = new byte[(int) nameLen];
        data.get(nb);
        String name = new String(nb, StandardCharsets.UTF_8);
        int n = data.getShort() & 0xffff;
        if (data.remaining() != 2L * n) {
            reply(option, Nbd.REP_ERR_INVALID, msg("information request count " + n + " does not match the data"));
            return false;
        }
        boolean wantName = false;
        boolean wantDescription = false;
        for (int i = 0; i < n; i++) {
            int t = data.getShort() & 0xffff;
            wantName |= t == Nbd.INFO_NAME;
            wantDescription |= t == Nbd.INFO_DESCRIPTION;
        }
        if (!matches(name)) {
            reply(option, Nbd.REP_ERR_UNKNOWN, msg("no export named '" + echo(name) + "'"));
            return false;
        }
        ByteBuffer export = buf(12);
        export.putShort((short) Nbd.INFO_EXPORT).putLong(size).putShort((short) flags());
        reply(option, Nbd.REP_INFO, export.flip());
        ByteBuffer bs = buf(14);
        // Any alignment is served (the array merges partial blocks into whole ones), so the
        // minimum is 1; 4 KiB is what is fast; reads and writes up to MAX_REQUEST are taken,
        // longer ones refused.
        bs.putShort((short) Nbd.INFO_BLOCK_SIZE).putInt(1).putInt(preferredBlock).putInt(Nbd.MAX_REQUEST);
        reply(option, Nbd.REP_INFO, bs.flip());
        if (wantName) {
            byte[] e = exportName.getBytes(StandardCharsets.UTF_8);
            ByteBuffer r = buf(2 + e.length);
            r.putShort((short) Nbd.INFO_NAME).put(e);
            reply(option, Nbd.REP_INFO, r.flip());
        }
        if (wantDescription) {
            byte[] d = description.getBytes(StandardCharsets.UTF_8);
            ByteBuffer r = buf(2 + d.length);
            r.putShort((short) Nbd.INFO_DESCRIPTION).put(d);
            reply(option, Nbd.REP_INFO, r.flip());
        }
        reply(option, Nbd.REP_ACK, buf(0));
        return option == Nbd.OPT_GO;
    }

    /** At most {@link #ECHO_CHARS} characters of a client's string, control characters replaced. */
    static String echo(String s) {
        String t = s.length() > ECHO_CHARS ? s.substring(0, ECHO_CHARS) + "...(" + s.length() + " chars)" : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }

    private boolean matches(String name) {
        return name.isEmpty() || name.equals(exportName);
    }

    private void reply(int option, int type, ByteBuffer data) throws IOException {
        ByteBuffer h = buf(20);
        h.putLong(Nbd.REPLY_MAGIC).putInt(option).putInt(type).putInt(data.remaining());
        send(h.flip());
        send(data);
    }

    private static ByteBuffer msg(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuffer buf(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.BIG_ENDIAN);
    }

    private void send(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private ByteBuffer read(int n) throws IOException {
        ByteBuffer b = buf(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("client closed the connection during the handshake");
            }
        }
        return b.flip();
    }

    private void discard(long n) throws IOException {
        ByteBuffer b = buf(8192);
        long left = n;
        while (left > 0) {
            b.clear().limit((int) Math.min(b.capacity(), left));
            int r = ch.read(b);
            if (r < 0) {
                throw new EOFException("client closed the connection during the handshake");
            }
            left -= r;
        }
    }
}
