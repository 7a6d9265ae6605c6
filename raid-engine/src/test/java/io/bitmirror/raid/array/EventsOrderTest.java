package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.member.ForwardingMemberDevice;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * W3: whenever a superblock with events E is written, a bitmap superblock with events at least
 * E was already written and flushed on that member, so the bitmap on disk is never older than
 * the superblock it belongs to. Checked on the order of writes each member really saw, through
 * state changes (active, clean, failure, re-add, stop).
 */
class EventsOrderTest {
    @TempDir
    Path dir;

    /** Logs superblock writes, bitmap superblock writes and flushes, in order. */
    static final class OrderDevice extends ForwardingMemberDevice {
        final List<String> log = new ArrayList<>();
        long durableBitmapEvents = -1;
        long pendingBitmapEvents = -1;
        final List<String> violations = new ArrayList<>();

        OrderDevice(MemberDevice d) {
            super(d);
        }

        @Override
        public synchronized void write(long position, ByteBuffer src, boolean fua) throws IOException {
            ByteBuffer v = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int p = v.position();
            if (position == 8192 && v.getInt(p) == 0x6d746962) {
                pendingBitmapEvents = v.getLong(p + 24);
                log.add("bitmap events " + pendingBitmapEvents);
            } else if (position == 4096 && v.getInt(p) == 0xa92b4efc) {
                long e = v.getLong(p + 200);
                log.add("superblock events " + e);
                if (durableBitmapEvents < e) {
                    violations.add("superblock events " + e + " written while the durable bitmap has "
                            + durableBitmapEvents + " (" + log + ")");
                }
            }
            device.write(position, src, fua);
            if (fua && pendingBitmapEvents >= 0) {
                durableBitmapEvents = Math.max(durableBitmapEvents, pendingBitmapEvents);
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            device.flush();
            if (pendingBitmapEvents >= 0) {
                durableBitmapEvents = Math.max(durableBitmapEvents, pendingBitmapEvents);
            }
        }






    }

    @Test
    void bitmapEventsAreDurableBeforeSuperblockEvents() throws Exception {
        List<Path> m = TestArrays.files(dir, 3, 16L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(3).bitmapChunkBytes(64 << 10).name("w3").homehost("h")
                .assumeClean(true).devices(m).build()).write();
        List<OrderDevice> devs = new ArrayList<>();
        AssembleOptions o = AssembleOptions.builder(m).safeModeMillis(20).daemonSleepMillis(20).opener(p -> {
            OrderDevice d = new OrderDevice(FileMemberDevice.open(p));
            synchronized (devs) {
                devs.add(d);
            }
            return d;
        }).build();
        RaidArray a = RaidArray.assemble(o);
        byte[] data = new byte[8192];
        for (int round = 0; round < 5; round++) {
            a.write(round * 65536L, ByteBuffer.wrap(data), false);
            a.flush();
            Thread.sleep(80);
        }
        a.fail(m.get(2));
        a.write(0, ByteBuffer.wrap(data), false);
        a.remove(m.get(2));
        a.reAdd(m.get(2));
        assertTrue(a.awaitSyncIdle(30_000));
        a.write(65536, ByteBuffer.wrap(data), true);
        a.stop();
        int superblockWrites = 0;
        for (OrderDevice d : devs) {
            assertEquals(List.of(), d.violations, d.name());
            superblockWrites += (int) d.log.stream().filter(s -> s.startsWith("superblock")).count();
        }
        assertTrue(superblockWrites >= 10, "state changes wrote superblocks: " + superblockWrites);
        for (Path p : m) {
            MemberMetadata md = MetadataReader.read(p);
            assertEquals(md.superblock().events(), md.bitmapSuperblock().events(), p + ": bitmap and superblock agree");
        }
    }
}
