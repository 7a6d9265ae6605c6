package io.bitmirror.raid.array;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.member.ForwardingMemberDevice;
import io.bitmirror.raid.member.MemberDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A member with a volatile write cache, for crash tests: writes reach the file at once, but
 * until the next flush each is remembered with the bytes it replaced. A simulated power cut
 * then undoes a random choice of the unflushed writes, whole or sector by sector (torn), the way
 * a disk that lost its cache could leave them. FUA writes are durable at once.
 */
final class VolatileCacheDevice extends ForwardingMemberDevice {
    private record Logged(long seq, long position, byte[] before, boolean durable) {
    }

    private final Path path;
    private final List<Logged> log = new ArrayList<>();
    private long seq;

    VolatileCacheDevice(MemberDevice device, Path path) {
        super(device);
        this.path = path;
    }

    Path path() {
        return path;
    }





    @Override
    public void write(long position, ByteBuffer src, boolean fua) throws IOException {
        int n = src.remaining();
        ByteBuffer old = DirectIo.allocate(n);
        device.read(position, old);
        byte[] before = new byte[n];
        old.get(0, before);
        device.write(position, src, fua);
        synchronized (log) {
            log.add(new Logged(++seq, position, before, fua));
        }
    }

    @Override
    public void flush() throws IOException {
        // Only writes that completed before the flush started are covered by it.
        long covered;
        synchronized (log) {
            covered = seq;
        }
        device.flush();
        synchronized (log) {
            log.removeIf(w -> w.seq() <= covered);
        }
    }

    @Override
    public void trim(long position, long length) throws IOException {
        ByteBuffer z = DirectIo.allocate((int) length);
        write(position, z, false);
    }


    /** Writes not yet flushed. */
    int unflushed() {
        synchronized (log) {
            return log.size();
        }
    }

    /**
     * The power cut: each unflushed write is kept, lost, or torn (some sectors lost). Per
     * sector, the newest kept write wins, as on a real disk. Call after the array stopped.
     *
     * @return number of writes lost or torn
     */
    int powerCut(SplittableRandom r, int lossPercent) throws IOException {
        Set<Long> decided = new HashSet<>();
        int damaged = 0;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            for (int i = log.size() - 1; i >= 0; i--) {
                Logged w = log.get(i);
                int choice = w.durable() ? 0 : r.nextInt(100) < lossPercent ? 1 + r.nextInt(2) : 0;
                if (choice != 0) {
                    damaged++;
                }
                for (int off = 0; off < w.before().length; off += 512) {
                    long sector = (w.position() + off) / 512;
                    if (!decided.add(sector)) {
                        continue;
                    }
                    boolean lose = choice == 1 || (choice == 2 && r.nextBoolean());
                    if (lose) {
                        // Lost: the sector shows what was there before this write (and, as we
                        // go backwards, before any older unflushed write decided below).
                        decided.remove(sector);
                        ch.write(ByteBuffer.wrap(w.before(), off, 512), w.position() + off);
                    }
                }
            }
            ch.force(true);
        }
        log.clear();
        return damaged;
    }
}
