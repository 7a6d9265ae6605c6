package io.bitmirror.raid.io;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.member.MemberDevice;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A member that stops answering, for real (nbdfuse over a SIGSTOPped nbdkit): the watchdog ends
 * the request after the member time-out, and its user gives the slot back, but the kernel (or
 * the member's I/O thread) still holds the operation on the slot's buffer. The slot must not
 * serve another request until that operation is back: a late read landing in another request's
 * buffer would write wrong data to healthy members.
 */
class TimedOutSlotTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "member I/O: {0}")
    @EnumSource(value = MemberIoMode.class, names = {"AIO", "THREADS"})
    void aSlotComesBackOnlyWhenTheHungOperationDoes(MemberIoMode mode) throws Exception {
        long size = 4L << 20;
        Path local = dir.resolve("local.img");
        try (RandomAccessFile f = new RandomAccessFile(local.toFile(), "rw")) {
            f.setLength(size);
        }
        try (NbdFuseMember remote = new NbdFuseMember(dir, size)) {
            FileMemberDevice a = FileMemberDevice.open(local);
            FileMemberDevice b = FileMemberDevice.open(remote.file());
            // One slot: the next request can only have the slot the hung one had.
            try (MemberFanout f = new MemberFanout(new MemberDevice[] {a, b}, 1, 4096, "hung-slot", mode, 500)) {
                IoSlot s = f.acquire();
                remote.signal("STOP");
                try {
                    CompletableFuture<Integer> ended = new CompletableFuture<>();
                    f.submitWrite(s, 0, 4096, false, 0b11, (slot, failed) -> ended.complete(failed));
                    assertEquals(0b10, ended.get(30, TimeUnit.SECONDS), "the hung member is claimed by the watchdog");
                    f.release(s);
                    CompletableFuture<IoSlot> next = CompletableFuture.supplyAsync(f::acquire);
                    Thread.sleep(1_000);
                    assertFalse(next.isDone(),
                            "the slot served another request while the hung member still held its buffer");
                    remote.signal("CONT");
                    assertSame(s, next.get(30, TimeUnit.SECONDS), "the slot comes back once the operation did");
                    f.release(s);
                } finally {
                    // Before the mount goes: nbdfuse cannot unmount over a stopped server.
                    remote.signal("CONT");
                }
            } finally {
                a.close();
                b.close();
            }
        }
    }
}
