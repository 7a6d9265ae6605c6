package io.bitmirror.faults.faulty;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.member.FileMemberDevice;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultyDeviceTest {
    @TempDir
    Path dir;

    private Path file() throws IOException {
        Path p = dir.resolve("m.img");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        return p;
    }

    private static ByteBuffer ones() {
        ByteBuffer b = DirectIo.allocate(4096);
        for (int i = 0; i < 4096; i++) {
            b.put(i, (byte) 1);
        }
        return b;
    }

    @Test
    void writeErrorAfterNOpsInARange() throws Exception {
        FaultPlan plan = FaultPlan.seeded(1).on(FaultPlan.Op.WRITE).range(8192, 16384).afterOps(1).then(Fault.ERROR);
        try (FaultyDevice d = new FaultyDevice(FileMemberDevice.open(file()), plan)) {
            d.write(0, ones(), false);
            d.write(8192, ones(), false);
            assertThrows(IOException.class, () -> d.write(8192, ones(), false));
            d.write(16384, ones(), false);
            assertEquals(1, plan.injected());
        }
    }

    @Test
    void droppedWriteIsReportedDoneButNotStored() throws Exception {
        Path p = file();
        try (FaultyDevice d = new FaultyDevice(FileMemberDevice.open(p), FaultPlan.seeded(1).on(FaultPlan.Op.WRITE)
                .times(1).then(Fault.DROP))) {
            ByteBuffer b = ones();
            d.write(4096, b, true);
            assertFalse(b.hasRemaining(), "consumed as if written");
        }
        assertEquals(0, Files.readAllBytes(p)[4096]);
    }

    @Test
    void tornWriteStoresSomeSectorsOnly() throws Exception {
        Path p = file();
        long seed = io.bitmirror.faults.Seeds.seed(7);
        try (FaultyDevice d = new FaultyDevice(FileMemberDevice.open(p), FaultPlan.seeded(seed)
                .on(FaultPlan.Op.WRITE).then(Fault.TORN))) {
            d.write(0, ones(), false);
        }
        byte[] all = Files.readAllBytes(p);
        int landed = 0;
        for (int s = 0; s < 8; s++) {
            byte v = all[s * 512];
            for (int i = 0; i < 512; i++) {
                assertEquals(v, all[s * 512 + i], "a sector is all old or all new (seed " + seed + ")");
            }
            landed += v;
        }
        assertTrue(landed > 0 && landed < 8, "some but not all sectors landed: " + landed + " (seed " + seed + ")");
    }

    @Test
    void probabilityIsSeeded() {
        FaultPlan a = FaultPlan.seeded(5).on(FaultPlan.Op.READ).probability(0.3).then(Fault.ERROR);
        FaultPlan b = FaultPlan.seeded(5).on(FaultPlan.Op.READ).probability(0.3).then(Fault.ERROR);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.decide(FaultPlan.Op.READ, 0, 4096) == null, b.decide(FaultPlan.Op.READ, 0, 4096) == null);
        }
        assertTrue(a.injected() > 10 && a.injected() < 60);
    }
}
