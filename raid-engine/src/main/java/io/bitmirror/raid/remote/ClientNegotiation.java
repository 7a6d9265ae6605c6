package io.bitmirror.raid.remote;

import io.bitmirror.raid.nbd.Nbd;
import io.bitmirror.raid.nbd.TlsChannel;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLContext;

/**
 * The client's side of the NBD handshake (fixed newstyle), once per connection: STARTTLS for
 * nbds, structured replies when the server has them, then {@code NBD_OPT_GO} asking for the
 * export's block sizes. Every refusal is an {@link IOException} with one line naming the URI.
 */
final class ClientNegotiation {

    /**
     * What the server agreed to.
     *
     * @param channel the connection (TLS when asked)
     * @param raw the socket under it
     * @param sizeBytes the export's size
     * @param flags the transmission flags
     * @param minBlock the smallest block the server accepts (1 when it did not say)
     * @param maxBlock the largest request (32 MiB when it did not say)
     * @param structured replies come as structured chunks
     */
    record Agreed(ByteChannel channel, SocketChannel raw, long sizeBytes, int flags, int minBlock, int maxBlock,
            boolean structured) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    private final NbdMemberUri uri;
    private final String name;
    private ByteChannel ch;
    private final ByteBuffer small = ByteBuffer.allocate(64);

    private ClientNegotiation(NbdMemberUri uri) {
        this.uri = uri;
        this.name = uri.toString();
    }

    /** Connects and negotiates; the caller owns the channel. */
    static Agreed connect(NbdMemberUri uri, SSLContext tls) throws IOException {
        return new ClientNegotiation(uri).run(tls);
    }

    private Agreed run(SSLContext tls) throws IOException {
        SocketChannel raw;
        try {
            if (uri.socket() != null) {
                raw = SocketChannel.open(UnixDomainSocketAddress.of(uri.socket()));
            } else {
                raw = SocketChannel.open();
                raw.setOption(StandardSocketOptions.TCP_NODELAY, true);
                raw.connect(new InetSocketAddress(uri.host(), uri.port()));
            }
        } catch (java.net.ConnectException e) {
            throw new IOException(name + ": connection refused (is the NBD server running?)", e);
        } catch (java.nio.channels.UnresolvedAddressException e) {
            throw new IOException(name + ": unknown host " + uri.host(), e);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(name + ": no such socket " + uri.socket(), e);
        } catch (IOException e) {
            throw new IOException(name + ": cannot connect: " + e.getMessage(), e);
        }
        try {
            ch = raw;
            return negotiate(raw, tls);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private Agreed negotiate(SocketChannel raw, SSLContext tls) throws IOException {
        ByteBuffer hello = read(18);
        if (hello.getLong(0) != Nbd.NBDMAGIC || hello.getLong(8) != Nbd.IHAVEOPT) {
            throw new IOException(name + ": not an NBD server, or an old-style one (fixed newstyle is needed)");
        }
        int serverFlags = hello.getShort(16) & 0xffff;
        if ((serverFlags & Nbd.FLAG_FIXED_NEWSTYLE) == 0) {
            throw new IOException(name + ": the server does not speak fixed newstyle NBD");
        }
        int clientFlags = Nbd.FLAG_C_FIXED_NEWSTYLE
                | ((serverFlags & Nbd.FLAG_NO_ZEROES) != 0 ? Nbd.FLAG_C_NO_ZEROES : 0);
        write(ByteBuffer.allocate(4).putInt(0, clientFlags));
        if (uri.tls()) {
            option(Nbd.OPT_STARTTLS, ByteBuffer.allocate(0));
            Reply r = reply(Nbd.OPT_STARTTLS);
            if (r.type != Nbd.REP_ACK) {
                throw refused("STARTTLS", r, "the server does not offer TLS; use nbd:// for a plain connection");
            }
            try {
                ch = TlsChannel.connect(raw, tls, uri.host(), uri.port());
            } catch (IOException e) {
                throw new IOException(name + ": TLS handshake failed: " + e.getMessage(), e);
            }
        }
        option(Nbd.OPT_STRUCTURED_REPLY, ByteBuffer.allocate(0));
        Reply sr = reply(Nbd.OPT_STRUCTURED_REPLY);
        boolean structured = sr.type == Nbd.REP_ACK;
        if (!structured && sr.type == Nbd.REP_ERR_TLS_REQD) {
            throw tlsRequired();
        }
        byte[] exp = uri.exportName().getBytes(StandardCharsets.UTF_8);
        ByteBuffer go = ByteBuffer.allocate(4 + exp.length + 2 + 2);
        go.putInt(exp.length).put(exp).putShort((short) 1).putShort((short) Nbd.INFO_BLOCK_SIZE).flip();
        option(Nbd.OPT_GO, go);
        long size = -1;
        int flags = 0;
        int min = 1;
        int max = Nbd.MAX_REQUEST;
        while (true) {
            Reply r = reply(Nbd.OPT_GO);
            if (r.type == Nbd.REP_ACK) {
                break;
            }
            if (r.type == Nbd.REP_INFO) {
                int info = r.data.remaining() >= 2 ? r.data.getShort(0) & 0xffff : -1;
                if (info == Nbd.INFO_EXPORT && r.data.remaining() >= 12) {
                    size = r.data.getLong(2);
                    flags = r.data.getShort(10) & 0xffff;
                } else if (info == Nbd.INFO_BLOCK_SIZE && r.data.remaining() >= 14) {
                    min = r.data.getInt(2);
                    max = r.data.getInt(10);
                }
                continue;
            }
            if (r.type == Nbd.REP_ERR_TLS_REQD) {
                throw tlsRequired();
            }
            if (r.type == Nbd.REP_ERR_UNKNOWN) {
                throw new IOException(name + ": the server has no export named '" + uri.exportName() + "'");
            }
            throw refused("NBD_OPT_GO", r, null);
        }
        if (size < 0) {
            throw new IOException(name + ": the server did not say the export's size");
        }
        return new Agreed(ch, raw, size, flags, Math.max(1, min), max <= 0 ? Nbd.MAX_REQUEST : max, structured);
    }

    private IOException tlsRequired() {
        return new IOException(name + ": the server requires TLS; use nbds:// with --tls-certificates=DIR");
    }

    private IOException refused(String what, Reply r, String hint) {
        String msg = r.data.remaining() > 0 && (r.type & Nbd.REP_FLAG_ERROR) != 0
                ? StandardCharsets.UTF_8.decode(r.data.duplicate()).toString().trim() : "";
        return new IOException(name + ": the server refused " + what + " (error " + (r.type & ~Nbd.REP_FLAG_ERROR)
                + (msg.isEmpty() ? "" : ": " + msg) + ")" + (hint == null ? "" : "; " + hint));
    }

    private record Reply(int type, ByteBuffer data) {
    }

    private void option(int option, ByteBuffer data) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(16 + data.remaining());
        h.putLong(Nbd.IHAVEOPT).putInt(option).putInt(data.remaining()).put(data.duplicate()).flip();
        write(h);
    }

    private Reply reply(int option) throws IOException {
        ByteBuffer h = read(20);
        if (h.getLong(0) != Nbd.REPLY_MAGIC || h.getInt(8) != option) {
            throw new IOException(name + ": bad option reply from the server");
        }
        int type = h.getInt(12);
        int len = h.getInt(16);
        if (len < 0 || len > Nbd.MAX_OPTION) {
            throw new IOException(name + ": option reply of " + Integer.toUnsignedString(len) + " bytes");
        }
        return new Reply(type, read(len));
    }

    private ByteBuffer read(int n) throws IOException {
        ByteBuffer b = n <= small.capacity() ? small.clear().limit(n) : ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException(name + ": the server closed the connection during the handshake");
            }
        }
        b.flip();
        // A copy: the small buffer is reused by the next read.
        ByteBuffer copy = ByteBuffer.allocate(n);
        copy.put(b).flip();
        return copy;
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
