package io.bitmirror.raid.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The fixed newstyle handshake, server side. Options GO, INFO, LIST, ABORT and EXPORT_NAME are
 * served; every other option is answered NBD_REP_ERR_UNSUP (so clients fall back to simple
 * replies and no TLS). Runs once per connection, before transmission: allocation is fine here.
 */
final class Handshake {
    /** What the client chose. */
    enum Outcome { TRANSMIT, ABORT }

    private final SocketChannel ch;
    private final String exportName;
    private final String description;
    private final long size;
    private final int transmissionFlags;
    private final int preferredBlock;
    private boolean noZeroes;

    Handshake(SocketChannel ch, String exportName, String description, long size, int transmissionFlags,
            int preferredBlock) {
        this.ch = ch;
        this.exportName = exportName;
        this.description = description;
        this.size = size;
        this.transmissionFlags = transmissionFlags;
        this.preferredBlock = preferredBlock;
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
                discard(length);
                reply(option, Nbd.REP_ERR_TOO_BIG, msg("option data too large"));
                continue;
            }
            ByteBuffer data = read((int) length);
            switch (option) {
                case Nbd.OPT_EXPORT_NAME: {
                    String name = StandardCharsets.UTF_8.decode(data).toString();
                    if (!matches(name)) {
                        // This option has no error reply: the protocol says close.
                        throw new IOException("unknown export '" + name + "'");
                    }
                    ByteBuffer r = buf(noZeroes ? 10 : 134);
                    r.putLong(size).putShort((short) transmissionFlags);
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
            reply(option, Nbd.REP_ERR_UNKNOWN, msg("no export named '" + name + "'"));
            return false;
        }
        ByteBuffer export = buf(12);
        export.putShort((short) Nbd.INFO_EXPORT).putLong(size).putShort((short) transmissionFlags);
        reply(option, Nbd.REP_INFO, export.flip());
        ByteBuffer bs = buf(14);
        // Any alignment is served (the array merges partial blocks); 4 KiB is what is fast.
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
