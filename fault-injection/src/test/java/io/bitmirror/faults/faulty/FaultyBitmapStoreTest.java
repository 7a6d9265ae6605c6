package io.bitmirror.faults.faulty;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmap.store.InMemoryBitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class FaultyBitmapStoreTest {

    private static ByteBuffer page(byte v) {
        ByteBuffer b = ByteBuffer.allocateDirect(4096);
        for (int i = 0; i < 4096; i++) {
            b.put(i, v);
        }
        return b;
    }

    private static byte[] read(FaultyBitmapStore s) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(4096);
        s.readPage(0, b);
        return b.array();
    }

    @Test
    void errorDropAndTearOfPageWrites() throws Exception {
        InMemoryBitmapStore mem = new InMemoryBitmapStore(8192, 1);
        FaultyBitmapStore s = new FaultyBitmapStore(mem, FaultPlan.seeded(3)
                .on(FaultPlan.Op.WRITE).times(1).then(Fault.ERROR)
                .on(FaultPlan.Op.WRITE).times(1).then(Fault.DROP)
                .on(FaultPlan.Op.WRITE).times(1).then(Fault.TORN));
        PendingWrites p = new PendingWrites();
        s.writePage(0, page((byte) 1), 4096, p);
        assertTrue(p.failed(), "an injected error is reported as a failed write");
        p.clearError();
        s.writePage(0, page((byte) 2), 4096, p);
        assertFalse(p.failed(), "a dropped write is reported done");
        assertEquals(0, read(s)[0], "and never stored");
        s.writePage(0, page((byte) 3), 4096, p);
        byte[] got = read(s);
        int landed = 0;
        for (int sec = 0; sec < 8; sec++) {
            landed += got[sec * 512] == 3 ? 1 : 0;
        }
        assertTrue(landed > 0 && landed < 8, "a torn page keeps some old sectors: " + landed);
        s.writePage(0, page((byte) 4), 4096, p);
        assertEquals(4, read(s)[4095], "later writes are normal");
    }
}
