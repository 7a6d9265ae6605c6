package io.bitmirror.raid.member;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A member that passes every call to another one: wrappers (fault injection, recording, test
 * devices) extend it and override only what they change.
 */
public abstract class ForwardingMemberDevice implements MemberDevice {
    /** The device underneath. */
    protected final MemberDevice device;

    protected ForwardingMemberDevice(MemberDevice device) {
        this.device = device;
    }

    @Override
    public String name() {
        return device.name();
    }

    @Override
    public long sizeBytes() {
        return device.sizeBytes();
    }

    @Override
    public long currentSizeBytes() throws IOException {
        return device.currentSizeBytes();
    }

    @Override
    public int logicalBlockSize() {
        return device.logicalBlockSize();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        device.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src, boolean fua) throws IOException {
        device.write(position, src, fua);
    }

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public void trim(long position, long length) throws IOException {
        device.trim(position, length);
    }

    @Override
    public void close() throws IOException {
        device.close();
    }

    @Override
    public boolean linkDown() {
        return device.linkDown();
    }

    @Override
    public long seekData(long position) throws IOException {
        return device.seekData(position);
    }

    @Override
    public long seekHole(long position) throws IOException {
        return device.seekHole(position);
    }
}
