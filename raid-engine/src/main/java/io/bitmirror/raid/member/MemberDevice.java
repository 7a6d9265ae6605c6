package io.bitmirror.raid.member;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One member device. Calls are synchronous and may come from several threads at once; buffers
 * are direct and 4096-aligned, positions and lengths multiples of {@link #logicalBlockSize()}.
 * A successful {@link #write} is not durable until a later {@link #flush} returns (or at once when
 * {@code fua}). Implementations allocate nothing per call.
 */
public interface MemberDevice extends Closeable {

    /** Name for messages (the path). */
    String name();

    /** Size in bytes. */
    long sizeBytes();

    /**
     * The device's size now, which is less than {@link #sizeBytes()} when it shrank under the
     * array (a file truncated, a loop device resized). Asked after I/O errors and on the
     * housekeeping tick: must be cheap (one fstat) and allocate nothing.
     */
    default long currentSizeBytes() throws IOException {
        return sizeBytes();
    }

    /** Smallest I/O unit. */
    int logicalBlockSize();

    /** Reads {@code dst.remaining()} bytes at {@code position}. */
    void read(long position, ByteBuffer dst) throws IOException;

    /**
     * Writes all of {@code src} at {@code position}.
     *
     * @param fua the write must be durable when this returns (Forced Unit Access)
     */
    void write(long position, ByteBuffer src, boolean fua) throws IOException;

    /** Makes every completed write durable (fdatasync / cache flush). */
    void flush() throws IOException;

    /**
     * Tells the device that {@code [position, position + length)} is unused. After a trim the range
     * reads as zeroes on every member, so mirrors stay identical.
     */
    void trim(long position, long length) throws IOException;

    /**
     * How the kernel's asynchronous I/O can reach this member without going through this object
     * ({@code --member-io=aio}), or null when it cannot: a device implemented in Java (fault
     * injection, recording, tests) must see every request, so it is served by threads. Called
     * when the array is assembled or a member joins, never per request; the descriptor stays
     * open until {@link #close()}.
     */
    default DirectTarget directTarget() throws java.io.IOException {
        return null;
    }

    /**
     * The member's own asynchronous way in ({@link MemberPort}), or null: a remote member
     * pipelines requests on its connections, and the fan-out hands them to it rather than to an
     * I/O thread. Asked when the array is assembled or a member joins, never per request.
     */
    default MemberPort port() {
        return null;
    }

    /**
     * True when the member's link is gone (a remote member whose connection broke): every
     * request to it fails from now on. A local device has no link: false. Cheap; asked by the
     * array's link watcher, never per request.
     */
    default boolean linkDown() {
        return false;
    }

    /**
     * The first position at or after {@code position} that may hold data (lseek SEEK_DATA), or
     * {@link #sizeBytes()} when only holes follow. A device that cannot tell says data everywhere:
     * this default. Used for NBD block status, never on the I/O path.
     */
    default long seekData(long position) throws IOException {
        return position;
    }

    /**
     * The first position at or after {@code position} that is a hole (reads as zeroes without
     * being stored), or {@link #sizeBytes()}. A device that cannot tell has none: this default.
     */
    default long seekHole(long position) throws IOException {
        return sizeBytes();
    }
}
