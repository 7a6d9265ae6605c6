package io.bitmirror.faults.faulty;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.member.ForwardingMemberDevice;
import io.bitmirror.raid.member.MemberDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * A member that misbehaves as its {@link FaultPlan} says: errors, dropped writes, torn writes
 * and latency. The bitmap area is a byte range of the member like any other, so the same plan
 * covers bitmap page writes (use {@link FaultPlan.Rule#range} on the bitmap offsets).
 */
public final class FaultyDevice extends ForwardingMemberDevice {
    private static final int SECTOR = 512;

    private final FaultPlan plan;

    public FaultyDevice(MemberDevice device, FaultPlan plan) {
        super(device);
        this.plan = plan;
    }

    public FaultPlan plan() {
        return plan;
    }




    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        FaultPlan.Decision d = plan.decide(FaultPlan.Op.READ, position, dst.remaining());
        if (d != null) {
            if (d.fault() == Fault.DELAY) {
                delay(d);
            } else {
                throw new IOException(name() + ": injected read error at " + position);
            }
        }
        device.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src, boolean fua) throws IOException {
        FaultPlan.Decision d = plan.decide(FaultPlan.Op.WRITE, position, src.remaining());
        if (d == null) {
            device.write(position, src, fua);
            return;
        }
        switch (d.fault()) {
            case ERROR:
                throw new IOException(name() + ": injected write error at " + position);
            case DROP:
                src.position(src.limit());
                return;
            case TORN:
                writeTorn(position, src, fua, d.tearSeed());
                return;
            default:
                delay(d);
                device.write(position, src, fua);
        }
    }

    /**
     * Stores a seeded choice of the write's sectors (at least one kept and one lost when it has
     * two or more), as a device that lost power mid-write could. Each kept run of sectors is
     * written separately; O_DIRECT needs the device's block size, so runs are widened to the
     * logical block size by reading the old bytes first.
     */
    private void writeTorn(long position, ByteBuffer src, boolean fua, long seed) throws IOException {
        int len = src.remaining();
        int sectors = len / SECTOR;
        boolean[] keep = tearMask(sectors, seed);
        ByteBuffer merged = DirectIo.allocate(len);
        device.read(position, merged);
        for (int s = 0; s < sectors; s++) {
            if (keep[s]) {
                merged.put(s * SECTOR, src, src.position() + s * SECTOR, SECTOR);
            }
        }
        merged.clear();
        device.write(position, merged, fua);
        src.position(src.limit());
    }

    /** Which sectors of a torn write land. */
    public static boolean[] tearMask(int sectors, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean[] keep = new boolean[sectors];
        for (int s = 0; s < sectors; s++) {
            keep[s] = r.nextBoolean();
        }
        if (sectors >= 2) {
            keep[r.nextInt(sectors)] = true;
            int lost = r.nextInt(sectors);
            keep[lost] = false;
            if (!anyKept(keep)) {
                keep[(lost + 1) % sectors] = true;
            }
        }
        return keep;
    }

    private static boolean anyKept(boolean[] k) {
        for (boolean b : k) {
            if (b) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void flush() throws IOException {
        FaultPlan.Decision d = plan.decide(FaultPlan.Op.FLUSH, 0, 0);
        if (d != null) {
            if (d.fault() == Fault.DELAY) {
                delay(d);
            } else if (d.fault() == Fault.ERROR) {
                throw new IOException(name() + ": injected flush error");
            }
        }
        device.flush();
    }

    @Override
    public void trim(long position, long length) throws IOException {
        FaultPlan.Decision d = plan.decide(FaultPlan.Op.TRIM, position, length);
        if (d != null) {
            if (d.fault() == Fault.ERROR) {
                throw new IOException(name() + ": injected trim error at " + position);
            }
            if (d.fault() == Fault.DROP) {
                return;
            }
            delay(d);
        }
        device.trim(position, length);
    }

    private static void delay(FaultPlan.Decision d) {
        Sleep.atLeastMillis(d.delayMillis());
    }

}
