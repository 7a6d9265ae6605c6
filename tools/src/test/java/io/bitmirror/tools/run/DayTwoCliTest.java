package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.External;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's "Done when", as an operator types it: every step is the real CLI in a process of its
 * own (with the test's run directory), checked by the real mdadm and real NBD clients. create with
 * a name; examine --scan into a config with a DEVICE glob; assemble --scan NAME; list; a monitor
 * --program script sees Fail, then the recovery after the re-add; grow --bitmap=none and
 * --bitmap=internal --bitmap-chunk=4M as mdadm -E/-X read them; writes after the grow; stop exits 0
 * and leaves the array clean; a read-only assembly leaves both members byte-identical after a
 * refused write.
 */
class DayTwoCliTest {
    @TempDir
    Path dir;

    private External.Run bitmirror(String... args) throws Exception {
        List<String> cmd = ArrayProcess.javaCommand();
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.bitmirror.tools.Main"));
        cmd.addAll(List.of(args));
        return External.run(Map.of("BITMIRROR_RUN_DIR", dir.resolve("run").toString()), cmd.toArray(String[]::new));
    }

    private Process background(Path log, String... args) throws Exception {
        List<String> cmd = ArrayProcess.javaCommand();
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.bitmirror.tools.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("BITMIRROR_RUN_DIR", dir.resolve("run").toString());
        return pb.start();
    }

    private static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    private static List<String> lines(Path f) {
        try {
            return Files.exists(f) ? Files.readAllLines(f) : List.of();
        } catch (Exception e) {
            return List.of();
        }
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (Exception e) {
            return "";
        }
    }

    private static String examine(Path p) throws Exception {
        return External.run("mdadm", "-E", p.toString()).out().replaceAll("[ \t]+", " ");
    }

    /** mdadm -X of a member image through a read-only loop device (on a file mdadm reads it as a bitmap file). */
    private static String examineBitmap(Path p) throws Exception {
        String loop = External.loopReadOnly(p);
        try {
            return External.run("mdadm", "-X", loop).out().replaceAll("[ \t]+", " ");
        } finally {
            External.detach(loop);
        }
    }

    private static void ok(External.Run r) {
        assertEquals(0, r.rc(), r.out() + r.err());
    }

    @Test
    void createScanAssembleListMonitorGrowStopReadOnly() throws Exception {
        for (String t : new String[] {"mdadm", "nbdcopy", "losetup"}) {
            External.requireTool(t);
        }
        External.requireLoopDevices();
        Path disks = Files.createDirectories(dir.resolve("disks"));
        List<Path> m = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path p = disks.resolve("ops" + i + ".img");
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(64L << 20);
            }
            m.add(p);
        }
        ok(bitmirror("create", "--level=1", "--raid-devices=2", "--name=ops", "--assume-clean", m.get(0).toString(),
                m.get(1).toString()));

        // examine --scan into a config whose DEVICE line is a glob; the sockets on the ARRAY line.
        External.Run scan = bitmirror("examine", "--scan", m.get(0).toString(), m.get(1).toString());
        ok(scan);
        assertTrue(scan.out().startsWith("ARRAY /dev/md/ops  metadata=1.2 UUID="), scan.out());
        Path sock = dir.resolve("ops.sock");
        Path ctl = dir.resolve("ops.ctl");
        Path conf = dir.resolve("bitmirror.conf");
        Files.writeString(conf, "DEVICE " + disks + "/*.img\n" + scan.out().trim() + "\n   export=nbd+unix:///?socket="
                + sock + " control=" + ctl + "\n");

        Path record = dir.resolve("events.txt");
        Path script = dir.resolve("record.sh");
        Files.writeString(script, "#!/bin/sh\necho \"$*\" >> '" + record + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Path monLog = dir.resolve("monitor.log");
        Process monitor = null;
        try (ArrayProcess a = ArrayProcess.startArgs(dir, List.of("assemble", "--scan", "--config=" + conf, "ops"),
                sock, ctl)) {
            External.Run list = bitmirror("list");
            ok(list);
            assertTrue(list.out().matches("(?s)ops : \\S.* raid1 \\S*ops0\\.img\\[0\\] \\S*ops1\\.img\\[1\\].*"),
                    list.out());

            monitor = background(monLog, "monitor", "ops", "--program=" + script);
            Process mon = monitor;
            await(() -> read(monLog).contains("monitoring /dev/md/ops") || !mon.isAlive(), "the subscription");
            assertTrue(monitor.isAlive(), read(monLog));

            ok(bitmirror("manage", "--array=ops", "--fail", m.get(1).toString()));
            await(() -> !lines(record).isEmpty(), "Fail");
            assertEquals("Fail /dev/md/ops " + m.get(1), lines(record).get(0));
            ok(bitmirror("manage", "--array=ops", "--remove", m.get(1).toString()));
            // Written while degraded, so the re-add's recovery has dirty chunks to copy.
            byte[] some = new byte[4 << 20];
            new Random(14).nextBytes(some);
            Path in = dir.resolve("some.bin");
            Files.write(in, some);
            ok(External.run("nbdcopy", in.toString(), a.uri()));
            ok(bitmirror("manage", "--array=ops", "--re-add", m.get(1).toString()));
            await(() -> lines(record).stream().anyMatch(l -> l.startsWith("SpareActive")), "SpareActive");
            List<String> seen = lines(record);
            int started = seen.indexOf("RebuildStarted /dev/md/ops");
            int finished = seen.indexOf("RebuildFinished /dev/md/ops");
            int active = seen.indexOf("SpareActive /dev/md/ops " + m.get(1));
            assertTrue(0 < started && started < finished && finished < active, seen.toString());

            // grow: remove the bitmap, then an internal one of 4 MiB chunks; mdadm reads both.
            ok(bitmirror("grow", "ops", "--bitmap=none"));
            for (Path p : m) {
                String e = examine(p);
                assertFalse(e.contains("Internal Bitmap"), e);
            }
            ok(bitmirror("grow", "ops", "--bitmap=internal", "--bitmap-chunk=4M"));
            String e = examine(m.get(0));
            assertTrue(e.contains("Internal Bitmap : 8 sectors from superblock"), e);
            String x = examineBitmap(m.get(1));
            assertTrue(x.contains("Chunksize : 4 MB"), x);

            // Writes after the grow: 16 MiB in and back out unchanged.
            byte[] data = new byte[16 << 20];
            new Random(41).nextBytes(data);
            Files.write(in, data);
            ok(External.run("nbdcopy", in.toString(), a.uri()));
            Path out = dir.resolve("out.bin");
            ok(External.run("nbdcopy", a.uri(), out.toString()));
            byte[] back = Files.readAllBytes(out);
            assertArrayEquals(data, java.util.Arrays.copyOf(back, data.length));

            External.Run stop = bitmirror("stop", "ops");
            ok(stop);
            assertTrue(a.process.waitFor(60, TimeUnit.SECONDS), "the server ends after stop");
            assertEquals(0, a.process.exitValue(), a.output());
            assertTrue(monitor.waitFor(30, TimeUnit.SECONDS), "a monitor of one array ends with it");
            List<String> all = lines(record);
            assertEquals("DeviceDisappeared /dev/md/ops", all.get(all.size() - 1), all.toString());
        } finally {
            if (monitor != null) {
                monitor.destroyForcibly();
                monitor.waitFor(30, TimeUnit.SECONDS);
            }
        }
        for (Path p : m) {
            String e = examine(p);
            assertTrue(e.contains("State : clean"), e);
            assertTrue(e.contains("Internal Bitmap : 8 sectors from superblock"), e);
        }

        // Read-only: a write is refused (EPERM) and neither member changes by a byte.
        List<String> before = List.of(ReadOnlyAssembleTest.sha256(m.get(0)), ReadOnlyAssembleTest.sha256(m.get(1)));
        try (ArrayProcess ro = ArrayProcess.start(dir, List.of("--readonly"), m)) {
            assertEquals(1, ReadOnlyAssembleTest.rawWrite(ro.socket, 0, 4096), "EPERM");
            assertEquals(0, ro.stop(), ro.output());
        }
        assertEquals(before, List.of(ReadOnlyAssembleTest.sha256(m.get(0)), ReadOnlyAssembleTest.sha256(m.get(1))));
    }
}
