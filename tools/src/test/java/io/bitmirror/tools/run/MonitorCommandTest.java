package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.Cli;
import io.bitmirror.tools.Main;
import io.bitmirror.tools.control.ControlClient;
import io.bitmirror.tools.control.ControlJson;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bitmirror monitor} against a real running array (its own JVM): a --program script
 * records its arguments as mdadm would pass them; the events come from the server's subscribe
 * stream.
 */
class MonitorCommandTest {
    private static final List<String> RECOVERY = List.of("RebuildStarted", "Rebuild20", "Rebuild40", "Rebuild60",
            "Rebuild80", "RebuildFinished");

    @TempDir
    Path dir;

    /** The monitor in-process on its own thread; what it prints is kept. */
    static final class Monitor {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final Thread thread;
        volatile int rc = -1;

        Monitor(String... args) {
            thread = new Thread(() -> rc = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true)),
                    "test-monitor");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    private Path recorder(Path record) throws Exception {
        Path script = dir.resolve("record.sh");
        Files.writeString(script, "#!/bin/sh\necho \"$*\" >> '" + record + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    /** {@code bitmirror ARGS} in its own JVM with the test's run directory; output to {@code logName}. */
    private Process startMonitor(String logName, String... args) throws Exception {
        List<String> cmd = ArrayProcess.javaCommand();
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.bitmirror.tools.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(logName).toFile());
        // The run directory the array process registers in (ArrayProcess sets the same).
        pb.environment().put("BITMIRROR_RUN_DIR", dir.resolve("run").toString());
        return pb.start();
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (Exception e) {
            return "";
        }
    }

    private static List<String> lines(Path f) {
        try {
            return Files.exists(f) ? Files.readAllLines(f) : List.of();
        } catch (Exception e) {
            return List.of();
        }
    }

    @Test
    void programGetsFailThenTheRebuildAndSpareActiveThenDeviceDisappeared() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20, "-N", "mon", "--bitmap=none");
        Path record = dir.resolve("events.txt");
        Path script = recorder(record);
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            // By NAME, found in the run directory (ControlTarget), in a JVM of its own that has
            // the test's run directory in its environment.
            Process mon = startMonitor("monitor.log", "monitor", "mon", "--program=" + script);
            Path log = dir.resolve("monitor.log");
            try {
                await(() -> read(log).contains("monitoring /dev/md/mon"), "the subscription");
                String c = "--control=" + a.control;
                assertEquals(0, Cli.run("manage", c, "--fail", m.get(1).toString()).rc());
                await(() -> lines(record).size() >= 1, "Fail");
                assertEquals("Fail /dev/md/mon " + m.get(1), lines(record).get(0));
                assertEquals(0, Cli.run("manage", c, "--remove", m.get(1).toString()).rc());
                Cli.Result reAdd = Cli.run("manage", c, "--re-add", m.get(1).toString());
                assertEquals(0, reAdd.rc(), reAdd.err());
                await(() -> lines(record).size() >= 8, "the recovery's events");
                List<String> want = new ArrayList<>();
                RECOVERY.forEach(e -> want.add(e + " /dev/md/mon"));
                want.add("SpareActive /dev/md/mon " + m.get(1));
                assertEquals(want, lines(record).subList(1, 8));
                assertEquals(0, a.stop());
                assertTrue(mon.waitFor(30, TimeUnit.SECONDS), "monitor of one array ends with it");
                assertEquals(0, mon.exitValue(), read(log));
                assertEquals("DeviceDisappeared /dev/md/mon", lines(record).get(lines(record).size() - 1));
                assertEquals(9, lines(record).size(), lines(record).toString());
            } finally {
                mon.destroyForcibly();
                mon.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void withoutProgramOneTimestampedLinePerEvent() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20, "-N", "scanme");
        Monitor mon;
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            mon = new Monitor("monitor", "--control=" + a.control);
            await(() -> mon.err.toString().contains("monitoring /dev/md/scanme"), "the subscription");
            assertEquals(0, Cli.run("manage", "--control=" + a.control, "--fail", m.get(1).toString()).rc());
            await(() -> mon.out.toString().contains("Fail"), "the Fail line");
            String line = mon.out.toString().split("\n")[0];
            assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z: Fail on /dev/md/scanme "
                    + java.util.regex.Pattern.quote(m.get(1).toString())), line);
            assertEquals(0, a.stop());
        }
        mon.thread.join(30_000);
        assertTrue(mon.out.toString().contains(": DeviceDisappeared on /dev/md/scanme\n"), mon.out.toString());
    }

    @Test
    void scanPicksUpAnArrayThatStartsLater() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20, "-N", "later");
        Path record = dir.resolve("events.txt");
        Path script = recorder(record);
        Path log = dir.resolve("monitor.log");
        Process scan = startMonitor("monitor.log", "monitor", "--scan", "--program=" + script);
        try {
            Thread.sleep(1_000);
            assertTrue(scan.isAlive(), Files.readString(log));
            try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
                await(() -> lines(record).contains("NewArray /dev/md/later"), "NewArray");
                assertEquals(0, Cli.run("manage", "--control=" + a.control, "--fail", m.get(1).toString()).rc());
                await(() -> lines(record).contains("Fail /dev/md/later " + m.get(1)), "Fail");
                assertEquals(0, a.stop());
            }
            await(() -> lines(record).contains("DeviceDisappeared /dev/md/later"), "DeviceDisappeared");
            assertEquals(List.of("NewArray /dev/md/later", "Fail /dev/md/later " + m.get(1),
                    "DeviceDisappeared /dev/md/later"), lines(record));
            assertTrue(scan.isAlive(), "--scan keeps watching after an array stopped");
        } finally {
            // SIGTERM to the monitor's java process itself.
            scan.destroy();
            if (!scan.waitFor(30, TimeUnit.SECONDS)) {
                scan.destroyForcibly();
                scan.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void atMostFourSubscribersAndTheyHoldNoClientSlot() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20, "-N", "many");
        try (ArrayProcess a = ArrayProcess.start(dir, List.of(), m)) {
            List<ControlClient.Stream> subs = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    subs.add(ControlClient.open(a.control, ControlJson.request("subscribe")));
                }
                var e = assertThrows(io.bitmirror.raid.ArrayException.class,
                        () -> ControlClient.open(a.control, ControlJson.request("subscribe")));
                assertEquals("too many subscribers (4 at once); try again when one has left", e.getMessage());
                // Eight plain clients still fit beside the four subscribers.
                for (int i = 0; i < 8; i++) {
                    assertNotNull(ControlClient.request(a.control, "detail"));
                }
                subs.remove(0).close();
                await(() -> {
                    try {
                        subs.add(ControlClient.open(a.control, ControlJson.request("subscribe")));
                        return true;
                    } catch (Exception busy) {
                        return false;
                    }
                }, "a freed subscriber place");
                assertEquals(0, Cli.run("manage", "--control=" + a.control, "--fail", m.get(1).toString()).rc());
                for (ControlClient.Stream s : subs) {
                    var ev = s.next();
                    assertEquals("Fail", ev.path("event").asText(), ev.toString());
                    assertEquals(m.get(1).toString(), ev.path("device").asText());
                    assertTrue(ev.path("array").asText().endsWith("many"), ev.toString());
                    assertTrue(ev.path("time").asText().endsWith("Z"), ev.toString());
                }
            } finally {
                for (ControlClient.Stream s : subs) {
                    s.close();
                }
            }
            assertEquals(0, a.stop());
        }
    }
}
