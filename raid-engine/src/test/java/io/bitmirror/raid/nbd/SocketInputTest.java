package io.bitmirror.raid.nbd;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The buffered receive side: whatever way the kernel cuts the byte stream, headers, payloads
 * and skips come out as sent, and replies are flushed before every read of the socket but those
 * for the rest of a request already begun.
 */
class SocketInputTest {
    /** A channel that hands out a byte stream in pieces of random size. */
    private static final class Chopped implements ReadableByteChannel {
        final byte[] data;
        final SplittableRandom r;
        int at;
        int reads;

        Chopped(byte[] data, SplittableRandom r) {
            this.data = data;
            this.r = r;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (at == data.length) {
                return -1;
            }
            reads++;
            int n = Math.min(Math.min(dst.remaining(), data.length - at), 1 + r.nextInt(9000));
            dst.put(data, at, n);
            at += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    @TestFactory
    Stream<DynamicTest> streamComesOutAsSent() {
        long base = Long.getLong("seed", 0x5eed);
        return Stream.iterate(base, s -> s + 1).limit(200).map(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            SplittableRandom r = new SplittableRandom(seed);
            // Records: [u32 kind][u32 len] then len bytes; kind 0 = take, 1 = skip.
            int records = 1 + r.nextInt(60);
            ByteBuffer all = ByteBuffer.allocate(records * (8 + 70_000));
            int[] kinds = new int[records];
            byte[][] payloads = new byte[records][];
            for (int i = 0; i < records; i++) {
                kinds[i] = r.nextInt(2);
                payloads[i] = new byte[r.nextInt(4) == 0 ? r.nextInt(70_000) : r.nextInt(5000)];
                r.nextBytes(payloads[i]);
                all.putInt(kinds[i]).putInt(payloads[i].length).put(payloads[i]);
            }
            byte[] stream = java.util.Arrays.copyOf(all.array(), all.position());
            Chopped ch = new Chopped(stream, r);
            int[] flushes = {0};
            int capacity = 16 << 10;
            // Reads of a small payload's rest (needRest): the only ones not preceded by a flush.
            int restReads = 0;
            SocketInput in = new SocketInput(ch, capacity, () -> flushes[0]++);
            try {
                for (int i = 0; i < records; i++) {
                    assertTrue(in.need(8), "header " + i);
                    ByteBuffer b = in.buffer();
                    assertEquals(kinds[i], b.getInt(b.position()), "kind " + i);
                    int len = b.getInt(b.position() + 4);
                    assertEquals(payloads[i].length, len, "length " + i);
                    in.consume(8);
                    if (kinds[i] == 1) {
                        assertTrue(in.skip(len));
                    } else {
                        ByteBuffer dst = ByteBuffer.allocateDirect(len + 3);
                        dst.position(3);
                        if (len <= capacity && r.nextBoolean()) {
                            // As a small write's payload: buffered whole first, no flush.
                            int reads = ch.reads;
                            int flushed = flushes[0];
                            assertTrue(in.needRest(len));
                            assertEquals(flushed, flushes[0], "needRest sent the replies");
                            restReads += ch.reads - reads;
                        }
                        assertTrue(in.readInto(dst));
                        byte[] got = new byte[len];
                        dst.position(3);
                        dst.get(got);
                        assertArrayEquals(payloads[i], got, "payload " + i);
                    }
                }
                assertTrue(in.drained());
                assertFalse(in.need(1), "end of stream");
                // Every other read of the channel was preceded by a flush of the replies.
                assertEquals(ch.reads - restReads + 1, flushes[0]);
            } catch (AssertionError | IOException e) {
                throw new AssertionError("seed " + seed + " (replay with -Dseed=" + seed + "): " + e.getMessage(), e);
            }
        }));
    }

    @Test
    void endOfStreamInsideAPayloadIsReported() throws Exception {
        byte[] data = new byte[100];
        SocketInput in = new SocketInput(new Chopped(data, new SplittableRandom(1)), 4096, () -> { });
        assertTrue(in.need(10));
        in.consume(10);
        assertFalse(in.readInto(ByteBuffer.allocate(200)));
        SocketInput in2 = new SocketInput(new Chopped(data, new SplittableRandom(1)), 4096, () -> { });
        assertFalse(in2.skip(101));
    }
}
