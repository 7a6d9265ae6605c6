package io.bitmirror.raid.member;

/**
 * Where the kernel's asynchronous I/O can reach a member's bytes: a descriptor opened with
 * O_DIRECT, the byte offset added to every position (a data area's data_offset), and how many
 * bytes from position 0 may be reached (the data area's size: nothing past it, so no data write
 * can touch metadata, exactly as {@link DataArea} checks on the synchronous path).
 *
 * @param fd the descriptor; owned by the member, closed when it closes
 * @param offset added to a position to give the file offset
 * @param limit positions plus lengths at most this
 * @param completesInSubmit the kernel performs a request inside {@code io_submit} (tmpfs: its
 *     O_DIRECT is a memory copy), so asynchronous submission buys nothing there and costs a
 *     hand-off: {@code --member-io=auto} writes such members in turn instead
 */
public record DirectTarget(int fd, long offset, long limit, boolean completesInSubmit) {

    /** The same descriptor seen through a window that starts {@code at} bytes in and holds {@code size}. */
    public DirectTarget window(long at, long size) {
        return new DirectTarget(fd, offset + at, Math.min(size, limit - at), completesInSubmit);
    }

    /** True when {@code [position, position + length)} is inside the target. */
    public boolean contains(long position, long length) {
        return position >= 0 && length >= 0 && position <= limit - length;
    }
}
