package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.External;
import io.bitmirror.tools.control.ControlClient;
import io.bitmirror.tools.notify.NotifyReceiver;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd readiness, as a Type=notify unit sees it: a real {@code bitmirror assemble} with
 * $NOTIFY_SOCKET set sends READY=1 (with a STATUS= line) only once its NBD export and control
 * socket answer, so the moment the datagram arrives both are connected to without a retry;
 * SIGTERM to the java process then sends STOPPING=1 and the server exits 0. Both address
 * forms: a path and a name in the abstract namespace ({@code @name}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SystemdNotifyTest {
    private static final long NBDMAGIC = 0x4e42444d41474943L;

    @TempDir
    Path dir;

    @Test
    void readyOnceTheExportAnswersThenStoppingOnSigtermAtAPath() throws Exception {
        try (NotifyReceiver r = NotifyReceiver.bind(dir.resolve("notify.sock").toString())) {
            readyThenStopping(r);
        }
    }

    @Test
    void readyAndStoppingToAnAbstractSocket() throws Exception {
        try (NotifyReceiver r = NotifyReceiver.bind("@bitmirror-test-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime())) {
            readyThenStopping(r);
        }
    }

    private void readyThenStopping(NotifyReceiver r) throws Exception {
        External.requireTool("nbdinfo");
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20);
        Path socket = dir.resolve("array.sock");
        Path control = dir.resolve("control.sock");
        String uri = "nbd+unix:///?socket=" + socket;
        List<String> cmd = ArrayProcess.javaCommand();
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.bitmirror.tools.Main", "assemble",
                "--export=" + uri, "--control=" + control, m.get(0).toString(), m.get(1).toString()));
        Path log = dir.resolve("server.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("NOTIFY_SOCKET", r.address());
        pb.environment().put("BITMIRROR_RUN_DIR", dir.resolve("run").toString());
        Process p = pb.start();
        try {
            List<String> before = new ArrayList<>();
            String ready = null;
            long end = System.nanoTime() + 60_000_000_000L;
            while (ready == null && System.nanoTime() < end && p.isAlive()) {
                String msg = r.receive(100);
                if (msg != null && msg.contains("READY=1")) {
                    ready = msg;
                } else if (msg != null) {
                    before.add(msg);
                }
            }
            assertNotNull(ready, "no READY=1 within 60 s; got " + before + "; " + Files.readString(log));
            // The moment READY=1 is read: the export greets a client and the control socket
            // answers, each on the first try.
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(socket));
                ByteBuffer hello = ByteBuffer.allocate(8);
                while (hello.hasRemaining() && c.read(hello) >= 0) {
                    // the server's first 8 bytes
                }
                assertEquals(NBDMAGIC, hello.flip().getLong(), "the export answers when READY=1 arrives");
            }
            assertTrue(ControlClient.request(control, "detail").path("state").asText().equals("clean"));
            External.Run info = External.run("nbdinfo", "--size", uri);
            assertEquals(0, info.rc(), info.err());
            assertTrue(ready.startsWith("READY=1\n") && ready.contains("\nSTATUS="), ready);
            assertTrue(ready.contains("exported at " + uri), ready);
            for (String b : before) {
                assertTrue(b.startsWith("STATUS="), "before READY only STATUS lines: " + b);
            }

            // SIGTERM to the java process itself: STOPPING=1, then a clean exit.
            p.destroy();
            String stopping = null;
            end = System.nanoTime() + 60_000_000_000L;
            while (stopping == null && System.nanoTime() < end) {
                String msg = r.receive(100);
                if (msg != null && msg.contains("STOPPING=1")) {
                    stopping = msg;
                }
            }
            assertNotNull(stopping, "no STOPPING=1 after SIGTERM: " + Files.readString(log));
            assertTrue(stopping.contains("STATUS=") && stopping.contains("SIGTERM"), stopping);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the server exits");
            assertEquals(0, p.exitValue(), Files.readString(log));
            // Every line the server printed, from start to stop: timestamp, level, logger, text.
            String out = Files.readString(log);
            LogLines.assertAllFormatted(out);
            assertTrue(out.contains("[INFO] ArrayRunner - ") && out.contains("stopped cleanly"), out);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
