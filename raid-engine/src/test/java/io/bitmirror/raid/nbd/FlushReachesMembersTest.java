package io.bitmirror.raid.nbd;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.member.ForwardingMemberDevice;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * NBD's durability requests reach the members: when the reply to a FLUSH arrives, every write
 * acknowledged before it has been flushed (fdatasync) on every member; when the reply to a FUA
 * write arrives, that write is durable on every member. Each member is wrapped in a recorder
 * that keeps the writes it took and has not yet flushed, as a volatile write cache would.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlushReachesMembersTest {
    @TempDir
    Path dir;

    /** A member that remembers its writes not yet made durable, by position. */
    static final class RecordingMember extends ForwardingMemberDevice {
        private static final AtomicLong CLOCK = new AtomicLong();
        /** Position of a write not yet durable, with the clock when it completed. */
        final Map<Long, Long> volatileWrites = new ConcurrentHashMap<>();
        final AtomicLong flushes = new AtomicLong();

        RecordingMember(MemberDevice device) {
            super(device);
        }

        @Override
        public void write(long position, ByteBuffer src, boolean fua) throws IOException {
            int length = src.remaining();
            super.write(position, src, fua);
            for (long p = position; p < position + length; p += 4096) {
                if (fua) {
                    volatileWrites.remove(p);
                } else {
                    volatileWrites.put(p, CLOCK.incrementAndGet());
                }
            }
        }

        @Override
        public void flush() throws IOException {
            // Only writes that completed before the flush began are made durable by it.
            long begun = CLOCK.incrementAndGet();
            super.flush();
            flushes.incrementAndGet();
            volatileWrites.values().removeIf(at -> at < begun);
        }

        boolean durable(long position) {
            return !volatileWrites.containsKey(position);
        }
    }

    @ParameterizedTest
    @EnumSource(Dispatch.class)
    void flushAndFuaAreDurableOnEveryMemberBeforeTheReply(Dispatch dispatch) throws Exception {
        List<Path> m = TestArrays.files(dir, 2, 16L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(1 << 20).name("flush").homehost("h")
                .assumeClean(true).devices(m).build()).write();
        long dataOffset = MetadataReader.read(m.get(0)).superblock().dataOffset() * 512;
        assertEquals(dataOffset, MetadataReader.read(m.get(1)).superblock().dataOffset() * 512);
        List<RecordingMember> members = new CopyOnWriteArrayList<>();
        // A long daemon_sleep: no housekeeping flush can come between a write and the check.
        AssembleOptions opts = AssembleOptions.builder(m).daemonSleepMillis(600_000).opener(p -> {
            RecordingMember r = new RecordingMember(FileMemberDevice.open(p));
            members.add(r);
            return r;
        }).build();
        RaidArray a = RaidArray.assemble(opts);
        Path sock = dir.resolve("f.sock");
        NbdServer server = NbdServer.start(a, "flush", NbdUri.unix(sock), false, dispatch);
        try (RawNbdClient c = new RawNbdClient(sock).handshake()) {
            assertEquals(2, members.size());
            byte[] block = new byte[4096];
            new SplittableRandom(3).nextBytes(block);
            long plain = 1L << 20;
            long forced = 3L << 20;
            // Twice, so the chunk's bit is set and on disk before the write that is watched.
            assertEquals(0, c.write(plain, block, 1));
            assertEquals(0, c.write(plain, block, 2));
            for (RecordingMember r : members) {
                assertFalse(r.durable(dataOffset + plain), "a plain write was durable at once on " + r.name()
                        + ": the recorder cannot tell a flush happened");
            }

            // FLUSH: its reply means every member flushed the write acknowledged before it.
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_FLUSH, 0, 3, 0, 0);
            assertEquals(0, c.reply(3, null));
            for (RecordingMember r : members) {
                assertTrue(r.durable(dataOffset + plain), "FLUSH answered before " + r.name() + " flushed");
            }

            // A FUA write: durable on every member when its reply comes, with no FLUSH.
            assertEquals(0, c.write(forced, block, 4));
            assertEquals(0, c.write(forced, block, 5));
            for (RecordingMember r : members) {
                assertFalse(r.durable(dataOffset + forced), r.name());
            }
            c.request(Nbd.REQUEST_MAGIC, Nbd.CMD_WRITE, Nbd.CMD_FLAG_FUA, 6, forced, block.length);
            c.write(ByteBuffer.wrap(block));
            assertEquals(0, c.reply(6, null));
            for (RecordingMember r : members) {
                assertTrue(r.durable(dataOffset + forced), "FUA write answered before it was durable on "
                        + r.name());
            }
            assertArrayEquals(block, c.read(forced, block.length, 7));
        } finally {
            server.stop();
            a.stop();
        }
    }
}
