package io.bitmirror.raid.io;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.member.DataArea;
import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.member.MemberDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fan-out on the kernel's asynchronous I/O, on real files (the test's directory, ext4 or xfs
 * here, and tmpfs): what a write submits lands on every member, FUA and flush complete, a write
 * outside a member's data area fails on that member alone without touching it, and a kernel
 * error (a member open read-only: EBADF) comes back as that member's failure with the errno.
 */
class KernelAioTest {
    @TempDir
    Path tmp;

    private static final int SLOT = 1 << 20;

    private static Path file(Path dir, String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size);
            ch.write(ByteBuffer.wrap(new byte[] {0}), size - 1);
        }
        return p;
    }

    @Test
    void writesReachEveryMemberOnDisk() throws Exception {
        roundTrip(tmp, MemberIoMode.AUTO);
    }

    @Test
    void writesReachEveryMemberOnTmpfs() throws Exception {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm), "no /dev/shm");
        Path dir = Files.createTempDirectory(shm, "bm-aio");
        try {
            roundTrip(dir, MemberIoMode.AIO);
            // auto leaves tmpfs to the requesting thread: the kernel copies inside io_submit there.
            FileMemberDevice a = FileMemberDevice.open(file(dir, "auto", 1 << 20));
            try (MemberFanout f = new MemberFanout(new MemberDevice[] {a}, 1, 4096, "tmpfs-auto", MemberIoMode.AUTO)) {
                assertEquals(MemberIoMode.INLINE, f.mode());
            } finally {
                a.close();
            }
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private void roundTrip(Path dir, MemberIoMode mode) throws Exception {
        long size = 16L << 20;
        FileMemberDevice a = FileMemberDevice.open(file(dir, "a", size));
        FileMemberDevice b = FileMemberDevice.open(file(dir, "b", size));
        try (MemberFanout f = new MemberFanout(new MemberDevice[] {a, b}, 4, SLOT, "aio-test", mode)) {
            assertEquals(MemberIoMode.AIO, f.mode(), "this kernel gives Linux AIO: " + mode + " must take it");
            long seed = Long.getLong("seed", System.nanoTime());
            System.out.println("KernelAioTest seed " + seed + " (-Dseed= to repeat)");
            SplittableRandom r = new SplittableRandom(seed);
            byte[] expect = new byte[(int) size];
            IoSlot s = f.acquire();
            for (int i = 0; i < 200; i++) {
                int blocks = 1 + r.nextInt(SLOT / 4096);
                long at = (long) r.nextInt((int) (size / 4096) - blocks + 1) * 4096;
                int len = blocks * 4096;
                byte[] data = new byte[len];
                r.nextBytes(data);
                s.data().clear().put(data);
                assertEquals(0, f.write(s, at, len, r.nextBoolean(), 0b11), "write " + i);
                System.arraycopy(data, 0, expect, (int) at, len);
            }
            assertEquals(0, f.flush(s, 0b11));
            // startWrite (the resync's overlapped write) goes the same way.
            s.data().clear().put(new byte[4096]).flip();
            f.startWrite(s, 0, 4096, 0b11);
            assertEquals(0, f.await(s));
            java.util.Arrays.fill(expect, 0, 4096, (byte) 0);
            f.release(s);
            for (MemberDevice m : new MemberDevice[] {a, b}) {
                ByteBuffer got = DirectIo.allocate((int) size);
                m.read(0, got);
                got.flip();
                byte[] g = new byte[(int) size];
                got.get(g);
                assertArrayEquals(expect, g, m.name() + " does not hold what was written");
            }
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aWriteOutsideTheDataAreaFailsThatMemberAlone() throws Exception {
        long size = 8L << 20;
        FileMemberDevice a = FileMemberDevice.open(file(tmp, "a", size));
        FileMemberDevice b = FileMemberDevice.open(file(tmp, "b", size));
        // Member 1's data area is 1 MiB shorter: the last MiB of the request is outside it.
        MemberDevice[] m = {new DataArea(a, 1 << 20, 6L << 20), new DataArea(b, 1 << 20, 5L << 20)};
        try (MemberFanout f = new MemberFanout(m, 2, SLOT, "aio-area", MemberIoMode.AIO)) {
            IoSlot s = f.acquire();
            s.data().clear();
            for (int i = 0; i < SLOT; i++) {
                s.data().put(i, (byte) 0x5a);
            }
            assertEquals(0b10, f.write(s, 5L << 20, SLOT, false, 0b11));
            assertTrue(f.lastError(1).contains("outside the data area"), f.lastError(1));
            f.release(s);
            ByteBuffer got = DirectIo.allocate(SLOT);
            b.read(6L << 20, got);
            for (int i = 0; i < SLOT; i++) {
                assertEquals(0, got.get(i), "byte " + i + " past member 1's data area was written");
            }
            got.clear();
            a.read(6L << 20, got);
            assertEquals(0x5a, got.get(0), "member 0 took the write");
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aKernelErrorFailsThatMemberWithItsErrno() throws Exception {
        long size = 4L << 20;
        FileMemberDevice a = FileMemberDevice.open(file(tmp, "a", size));
        // Opened read-only: the kernel refuses the write (EBADF) when it runs it.
        FileMemberDevice b = FileMemberDevice.openReadOnly(file(tmp, "b", size));
        try (MemberFanout f = new MemberFanout(new MemberDevice[] {a, b}, 2, SLOT, "aio-error", MemberIoMode.AIO)) {
            IoSlot s = f.acquire();
            s.data().clear().put(0, (byte) 1);
            assertEquals(0b10, f.write(s, 0, 4096, false, 0b11));
            assertTrue(f.lastError(1).contains("errno 9"), f.lastError(1));
            assertEquals(0, f.write(s, 4096, 4096, true, 0b01), "the other member still takes writes");
            f.release(s);
        } finally {
            a.close();
            b.close();
        }
    }

    /**
     * An I/O error the kernel reports in the completion, not at submission: the member's file is
     * served by nbdkit whose error filter fails every write with EIO. The event's result fails
     * that member with the errno; the other member takes the write.
     */
    @Test
    void anErrorInTheCompletionFailsThatMember() throws Exception {
        long size = 4L << 20;
        FileMemberDevice a = FileMemberDevice.open(file(tmp, "a", size));
        try (NbdFuseMember bad = new NbdFuseMember(tmp, size, "--filter=error", "error=EIO", "error-pwrite-rate=100%")) {
            FileMemberDevice b = FileMemberDevice.open(bad.file());
            try (MemberFanout f = new MemberFanout(new MemberDevice[] {a, b}, 2, SLOT, "aio-eio", MemberIoMode.AIO)) {
                IoSlot s = f.acquire();
                s.data().clear().put(0, (byte) 7);
                assertEquals(0b10, f.write(s, 0, 4096, false, 0b11));
                assertTrue(f.lastError(1).contains("errno 5"), f.lastError(1));
                f.release(s);
            } finally {
                b.close();
            }
        } finally {
            a.close();
        }
    }

    /**
     * The completion thread waits in the kernel with a timeout and sees the close within it: a
     * binding that lost the timeout argument kept it blocked until the context was destroyed
     * under it (and then spun on EINVAL).
     */
    @Test
    void closeEndsTheCompletionThreadPromptly() throws Exception {
        FileMemberDevice a = FileMemberDevice.open(file(tmp, "a", 1 << 20));
        try {
            MemberFanout f = new MemberFanout(new MemberDevice[] {a}, 1, 4096, "close", MemberIoMode.AIO);
            Thread reaper = f.threads()[0];
            Thread.sleep(300);
            long t0 = System.nanoTime();
            f.close();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertFalse(reaper.isAlive());
            assertTrue(ms < 2_000, "close took " + ms + " ms: the completion thread did not see it");
        } finally {
            a.close();
        }
    }

    /**
     * close() wakes the completion thread with an event of its own instead of leaving it to its
     * io_getevents timeout (100 ms, twice per array stop). Several rounds, since a thread that
     * just came back from a timeout may see the close before the wake-up arrives.
     */
    @Test
    void closeWakesTheCompletionThreadAndTheContextsAreDestroyed() throws Exception {
        FileMemberDevice a = FileMemberDevice.open(file(tmp, "a", 1 << 20));
        long before = aioRings();
        int woken = 0;
        try {
            for (int i = 0; i < 10; i++) {
                MemberFanout f = new MemberFanout(new MemberDevice[] {a}, 1, 4096, "wake", MemberIoMode.AIO);
                Thread.sleep(20);
                f.close();
                assertFalse(f.threads()[0].isAlive());
                woken += f.kernelAio().wokenByClose() ? 1 : 0;
            }
        } finally {
            a.close();
        }
        assertTrue(woken >= 9, "woken by close in " + woken + " of 10 closes");
        // Destroyed by a thread of their own after close returned: each context's ring is
        // mapped into the process until it is destroyed.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (aioRings() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        long after = aioRings();
        assertTrue(after <= before, after + " AIO rings mapped, " + before + " before: the closed contexts were not "
                + "destroyed");
    }

    /** AIO rings mapped into this process ({@code /[aio]} in its maps): one per live context. */
    private static long aioRings() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("[aio]")).count();
    }

    @Test
    void threadsWhenAsked() throws Exception {
        FileMemberDevice a = FileMemberDevice.open(file(tmp, "a", 1 << 20));
        try (MemberFanout f = new MemberFanout(new MemberDevice[] {a}, 1, 4096, "t", MemberIoMode.THREADS)) {
            assertEquals(MemberIoMode.THREADS, f.mode());
        } finally {
            a.close();
        }
    }
}
