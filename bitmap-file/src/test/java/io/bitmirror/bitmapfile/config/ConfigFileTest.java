package io.bitmirror.bitmapfile.config;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.bitmapfile.extent.ExtentMap;
import io.bitmirror.bitmapfile.fs.DeviceId;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one parser of the config file, and the bitmap registry living in the same ARRAY lines. */
class ConfigFileTest {
    @TempDir
    Path dir;

    static final String WEB = "ba10bfa7:4f7ab862:dc658370:1bd6af3d";

    @Test
    void mdadmSyntaxDevicesArraysContinuationsAndIgnoredKeywords() throws Exception {
        Path conf = dir.resolve("bitmirror.conf");
        Files.writeString(conf, String.join("\n",
                "# members",
                "DEVICE /srv/disks/*.img",
                "dev /dev/sdb1 nbd://127.0.0.1:10809/x",
                "MAILADDR root",
                "ARRAY /dev/md/web  metadata=1.2 UUID=" + WEB,
                "   name=vm:web export=nbd+unix:///?socket=/run/web.sock control=/run/a%20b.control",
                "", ""));
        ConfigFile f = ConfigFile.read(conf);
        assertEquals(List.of("/srv/disks/*.img", "/dev/sdb1", "nbd://127.0.0.1:10809/x"), f.devices());
        assertEquals(1, f.arrays().size());
        ArrayLine a = f.arrays().get(0);
        assertEquals("/dev/md/web", a.device());
        assertEquals("vm:web", a.name());
        assertEquals("1.2", a.get("METADATA"));
        assertEquals("nbd+unix:///?socket=/run/web.sock", a.get("export"));
        assertEquals("/run/a b.control", a.get("control"));
        assertEquals(5, f.lineNumber(a));
        assertArrayEquals(ArrayRecord.parseUuid(WEB), a.uuid());
        assertSame(a, f.array(ArrayRecord.parseUuid(WEB)));
    }

    @Test
    void badLinesAreRefusedWithTheirLineNumber() throws Exception {
        Path conf = dir.resolve("c");
        Files.writeString(conf, "# x\nARRAY /dev/md/a UUID=zz\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.read(conf));
        assertTrue(e.getMessage().startsWith(conf + ":2: bad ARRAY line: "), e.getMessage());
        Files.writeString(conf, "DEVICE /a\nARAY /dev/md/a\n");
        e = assertThrows(ConfigException.class, () -> ConfigFile.read(conf));
        assertEquals(conf + ":2: unknown keyword 'ARAY' (expected DEVICE or ARRAY)", e.getMessage());
        Files.writeString(conf, "DEVICE disks/*.img\n");
        e = assertThrows(ConfigException.class, () -> ConfigFile.read(conf));
        assertTrue(e.getMessage().startsWith(conf + ":1: DEVICE disks/*.img: not an absolute path"), e.getMessage());
    }

    @Test
    void theRegistryAddsItsKeysToTheScannedLineAndForgetsOnlyThem() throws Exception {
        Path conf = dir.resolve("bitmirror.conf");
        String scanned = "ARRAY /dev/md/web  metadata=1.2 UUID=" + WEB + " name=vm:web";
        String text = "# hand-written\nDEVICE /srv/*.img\n" + scanned + "\nMAILADDR root\n";
        Files.writeString(conf, text);
        BitmapRegistry reg = new BitmapRegistry(conf);
        assertTrue(reg.records().isEmpty(), "an ARRAY line without bitmap= is not a record");
        ArrayRecord r = new ArrayRecord(ArrayRecord.parseUuid(WEB), Path.of("/var/lib/web.bitmap"),
                new DeviceId(8, 1), 77, ExtentMap.parse(4096, "0:8192:4096"));
        reg.put(r);
        assertEquals("# hand-written\nDEVICE /srv/*.img\nARRAY /dev/md/web metadata=1.2 UUID=" + WEB
                + " name=vm:web bitmap=/var/lib/web.bitmap dev=8:1 ino=77 size=4096 extents=0:8192:4096\n"
                + "MAILADDR root\n", Files.readString(conf));
        assertEquals(r, reg.find(ArrayRecord.parseUuid(WEB)).orElseThrow());
        assertEquals(1, ConfigFile.read(conf).arrays().size(), "one line per array");
        assertTrue(reg.remove(ArrayRecord.parseUuid(WEB)));
        // The scanned line stays (it says more than the record); only the record's keys go.
        assertEquals("# hand-written\nDEVICE /srv/*.img\nARRAY /dev/md/web metadata=1.2 UUID=" + WEB
                + " name=vm:web\nMAILADDR root\n", Files.readString(conf));
        assertFalse(reg.remove(ArrayRecord.parseUuid(WEB)));
    }

    @Test
    void aLineTheRegistryWroteAloneIsRemovedWhole() throws Exception {
        Path conf = dir.resolve("bitmirror.conf");
        BitmapRegistry reg = new BitmapRegistry(conf);
        ArrayRecord r = new ArrayRecord(ArrayRecord.parseUuid(WEB), Path.of("/b"), new DeviceId(8, 1), 1,
                ExtentMap.parse(4096, "0:0:4096"));
        reg.put(r);
        assertTrue(Files.readString(conf).contains("\nARRAY UUID=" + WEB + " bitmap=/b dev=8:1"));
        assertTrue(reg.remove(ArrayRecord.parseUuid(WEB)));
        assertFalse(Files.readString(conf).contains("ARRAY"), Files.readString(conf));
        assertFalse(Files.exists(dir.resolve(".bitmirror.conf.tmp")), "the temporary file was renamed");
    }
}
