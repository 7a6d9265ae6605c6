package io.bitmirror.raid.member;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The data area of a member: positions are array offsets, shifted by the member's
 * data_offset and checked against the array size, so no data write can touch metadata.
 */
public final class DataArea implements MemberDevice {
    private final MemberDevice device;
    private final long offset;
    private final long size;

    /**
     * @param offsetBytes data_offset in bytes
     * @param sizeBytes the array's size in bytes
     */
    public DataArea(MemberDevice device, long offsetBytes, long sizeBytes) {
        this.device = device;
        this.offset = offsetBytes;
        this.size = sizeBytes;
    }

    public MemberDevice device() {
        return device;
    }

    private long at(long position, long length) throws IOException {
        if (position < 0 || length < 0 || position + length > size) {
            throw new IOException(device.name() + ": I/O at " + position + "+" + length + " is outside the data area of "
                    + size + " bytes");
        }
        return offset + position;
    }

    @Override
    public String name() {
        return device.name();
    }

    @Override
    public long sizeBytes() {
        return size;
    }

    /** How much of the area the device still holds: less than {@link #sizeBytes()} once it shrank into it. */
    @Override
    public long currentSizeBytes() throws IOException {
        return Math.max(0, Math.min(size, device.currentSizeBytes() - offset));
    }

    @Override
    public int logicalBlockSize() {
        return device.logicalBlockSize();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        device.read(at(position, dst.remaining()), dst);
    }

    @Override
    public void write(long position, ByteBuffer src, boolean fua) throws IOException {
        device.write(at(position, src.remaining()), src, fua);
    }

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public void trim(long position, long length) throws IOException {
        device.trim(at(position, length), length);
    }

    /** The device's target seen through this area: shifted by data_offset, limited to the array's size. */
    @Override
    public DirectTarget directTarget() throws IOException {
        DirectTarget t = device.directTarget();
        return t == null ? null : t.window(offset, size);
    }

    /**
     * The device's port seen through this area, as {@link #directTarget()}: positions shifted by
     * data_offset, and a request outside the area ends failed at once (nothing reaches metadata).
     */
    @Override
    public MemberPort port() {
        MemberPort p = device.port();
        return p == null ? null : new AreaPort(p);
    }

    /** A port shifted by data_offset and bounded by the array's size; made once per join. */
    private final class AreaPort implements MemberPort {
        private final MemberPort port;

        AreaPort(MemberPort port) {
            this.port = port;
        }

        private boolean inside(long position, long length) {
            return position >= 0 && length >= 0 && position <= size - length;
        }

        @Override
        public void submitRead(long position, ByteBuffer dst, long tag, Done done) {
            if (inside(position, dst.remaining())) {
                port.submitRead(offset + position, dst, tag, done);
            } else {
                done.ended(tag, false);
            }
        }

        @Override
        public void submitWrite(long position, ByteBuffer src, boolean fua, long tag, Done done) {
            if (inside(position, src.remaining())) {
                port.submitWrite(offset + position, src, fua, tag, done);
            } else {
                done.ended(tag, false);
            }
        }

        @Override
        public void submitFlush(long tag, Done done) {
            port.submitFlush(tag, done);
        }

        @Override
        public void submitTrim(long position, long length, long tag, Done done) {
            if (inside(position, length)) {
                port.submitTrim(offset + position, length, tag, done);
            } else {
                done.ended(tag, false);
            }
        }

        @Override
        public IOException lastError() {
            return port.lastError();
        }
    }

    @Override
    public boolean linkDown() {
        return device.linkDown();
    }

    /** Member positions are shifted back to array offsets and clamped to the data area. */
    @Override
    public long seekData(long position) throws IOException {
        if (position >= size) {
            return size;
        }
        return Math.max(position, Math.min(size, device.seekData(offset + position) - offset));
    }

    @Override
    public long seekHole(long position) throws IOException {
        if (position >= size) {
            return size;
        }
        return Math.max(position, Math.min(size, device.seekHole(offset + position) - offset));
    }

    @Override
    public void close() throws IOException {
        device.close();
    }
}
