package io.bitmirror.bitmapfile.config;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmapfile.extent.ExtentMap;
import io.bitmirror.bitmapfile.fs.DeviceId;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ARRAY lines: round trip, replacement of the same array, comments kept, odd paths. */
class BitmapRegistryTest {
    @TempDir
    Path dir;

    static byte[] uuid(int b) {
        byte[] u = new byte[16];
        u[0] = (byte) b;
        u[15] = (byte) 0xfe;
        return u;
    }

    @Test
    void roundTripReplaceAndRemove() throws Exception {
        Path conf = dir.resolve("etc/bitmirror.conf");
        BitmapRegistry reg = new BitmapRegistry(conf);
        ArrayRecord a = new ArrayRecord(uuid(1), Path.of("/mnt/a b/100%.bitmap"), new DeviceId(259, 65537), 12,
                ExtentMap.parse(8192, "0:1048576:4096,4096:2097152:4096"));
        reg.put(a);
        String text = Files.readString(conf);
        assertTrue(text.startsWith("# bitmirror"), text);
        assertTrue(text.contains("ARRAY UUID=01000000:00000000:00000000:000000fe bitmap=/mnt/a%20b/100%25.bitmap"
                + " dev=259:65537 ino=12 size=8192 extents=0:1048576:4096,4096:2097152:4096"), text);
        assertEquals(a, reg.find(uuid(1)).orElseThrow());
        Files.writeString(conf, text + "# a comment\n");
        ArrayRecord b = new ArrayRecord(uuid(2), Path.of("/b"), new DeviceId(8, 1), 13, ExtentMap.parse(4096, "0:0:4096"));
        reg.put(b);
        ArrayRecord a2 = new ArrayRecord(uuid(1), Path.of("/a2"), new DeviceId(8, 2), 14, ExtentMap.parse(4096, "0:8192:4096"));
        reg.put(a2);
        assertEquals(2, reg.records().size());
        assertEquals(a2, reg.find(uuid(1)).orElseThrow());
        assertTrue(Files.readString(conf).contains("# a comment"));
        assertTrue(reg.remove(uuid(1)));
        assertTrue(reg.find(uuid(1)).isEmpty());
        assertEquals(b, reg.find(uuid(2)).orElseThrow());
    }

    @Test
    void explicitPathWinsAndDeviceNumbersDecode() {
        assertEquals(dir, BitmapRegistry.locate(dir).path());
        assertEquals(new DeviceId(7, 0), DeviceId.of(1792));
        assertEquals(new DeviceId(259, 65537), DeviceId.of((259L << 8) | ((65537L & 0xff)) | ((65537L & ~0xffL) << 12)));
    }
}
