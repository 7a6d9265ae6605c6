package io.bitmirror.faults.record;

import io.bitmirror.raid.member.ForwardingMemberDevice;
import io.bitmirror.raid.member.MemberDevice;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A member that logs what it completes. A write is logged after the device returned (its
 * completion), with a copy of its data; a flush remembers, when issued, the last write of this
 * member it covers and is logged when it returns. Failed operations are not logged: a crash
 * state is built from completed operations only, and a failed write leaves the member faulty.
 *
 * <p>Allocates per write (the data copy): this is a test device, not a production path.
 */
public final class RecordingDevice extends ForwardingMemberDevice {
    private final int member;
    private final WriteLog log;

    public RecordingDevice(MemberDevice device, int member, WriteLog log) {
        super(device);
        this.member = member;
        this.log = log;
    }

    public int member() {
        return member;
    }





    @Override
    public void write(long position, ByteBuffer src, boolean fua) throws IOException {
        // Copy before the write: the device consumes src, and the caller may reuse it afterwards.
        byte[] data = new byte[src.remaining()];
        src.get(src.position(), data);
        device.write(position, src, fua);
        log.appendWrite(member, LogEntry.Kind.WRITE, position, data, fua);
    }

    @Override
    public void flush() throws IOException {
        // Only writes completed before the flush is issued are covered by it.
        long covers = log.lastWriteSeq(member);
        device.flush();
        log.appendFlush(member, covers);
    }

    @Override
    public void trim(long position, long length) throws IOException {
        device.trim(position, length);
        log.appendWrite(member, LogEntry.Kind.TRIM, position, new byte[Math.toIntExact(length)], false);
    }

}
