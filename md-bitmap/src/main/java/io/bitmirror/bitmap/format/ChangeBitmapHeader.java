package io.bitmirror.bitmap.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Flyweight over the header of a changed-block bitmap file ({@link ChangeBitmapLayout}). */
public final class ChangeBitmapHeader {
    private ByteBuffer buf;
    private int base;

    public ChangeBitmapHeader wrap(ByteBuffer b, int offset) {
        this.buf = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.base = offset;
        return this;
    }

    /** Writes a fresh header (bits are not touched). */
    public ChangeBitmapHeader init(byte[] uuid, int chunkBytes, long chunks, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length == 0 || n.length > ChangeBitmapLayout.NAME_MAX) {
            throw new IllegalArgumentException("changed-block bitmap name must be 1 to "
                    + ChangeBitmapLayout.NAME_MAX + " bytes");
        }
        for (int i = 0; i < ChangeBitmapLayout.LENGTH; i++) {
            buf.put(base + i, (byte) 0);
        }
        buf.putInt(base + ChangeBitmapLayout.MAGIC_OFFSET, ChangeBitmapLayout.MAGIC);
        buf.putInt(base + ChangeBitmapLayout.VERSION_OFFSET, ChangeBitmapLayout.VERSION);
        buf.put(base + ChangeBitmapLayout.UUID_OFFSET, uuid, 0, 16);
        buf.putInt(base + ChangeBitmapLayout.CHUNKSIZE_OFFSET, chunkBytes);
        buf.putLong(base + ChangeBitmapLayout.CHUNKS_OFFSET, chunks);
        buf.putShort(base + ChangeBitmapLayout.NAME_LENGTH_OFFSET, (short) n.length);
        buf.put(base + ChangeBitmapLayout.NAME_OFFSET, n);
        return this;
    }

    public int magic() {
        return buf.getInt(base + ChangeBitmapLayout.MAGIC_OFFSET);
    }

    public int version() {
        return buf.getInt(base + ChangeBitmapLayout.VERSION_OFFSET);
    }

    public byte[] uuid() {
        byte[] u = new byte[16];
        buf.get(base + ChangeBitmapLayout.UUID_OFFSET, u);
        return u;
    }

    public int chunkBytes() {
        return buf.getInt(base + ChangeBitmapLayout.CHUNKSIZE_OFFSET);
    }

    public int flags() {
        return buf.getInt(base + ChangeBitmapLayout.FLAGS_OFFSET);
    }

    public ChangeBitmapHeader flags(int f) {
        buf.putInt(base + ChangeBitmapLayout.FLAGS_OFFSET, f);
        return this;
    }

    public long chunks() {
        return buf.getLong(base + ChangeBitmapLayout.CHUNKS_OFFSET);
    }

    public String name() {
        int len = Math.min(ChangeBitmapLayout.NAME_MAX,
                Short.toUnsignedInt(buf.getShort(base + ChangeBitmapLayout.NAME_LENGTH_OFFSET)));
        byte[] n = new byte[len];
        buf.get(base + ChangeBitmapLayout.NAME_OFFSET, n);
        return new String(n, StandardCharsets.UTF_8);
    }

    /** Checks this header against the array it is loaded for; the message names what is wrong. */
    public void validate(byte[] expectedUuid, int expectedChunkBytes, long expectedChunks) {
        if (magic() != ChangeBitmapLayout.MAGIC) {
            throw new MdFormatException("magic", String.format("not a changed-block bitmap (magic 0x%08x)", magic()));
        }
        if (version() != ChangeBitmapLayout.VERSION) {
            throw new MdFormatException("version", "changed-block bitmap version " + version() + " is not supported");
        }
        if (!java.util.Arrays.equals(uuid(), expectedUuid)) {
            throw new MdFormatException("uuid", "changed-block bitmap " + name() + " belongs to another array");
        }
        if (chunkBytes() != expectedChunkBytes || chunks() != expectedChunks) {
            throw new MdFormatException("chunks", "changed-block bitmap " + name() + " has " + chunks() + " chunks of "
                    + chunkBytes() + " bytes, the array's bitmap " + expectedChunks + " of " + expectedChunkBytes);
        }
    }
}
