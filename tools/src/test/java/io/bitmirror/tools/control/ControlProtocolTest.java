package io.bitmirror.tools.control;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.tools.Cli;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON control protocol against a real array served in this JVM: every bad request (not
 * JSON, not an object, no name, an unknown name, a line over 4 KiB, a missing or wrong
 * argument) gets one {@code {"ok":false,"error":...}} line naming what was wrong, while another
 * client, connected before and served after, still gets its detail.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ControlProtocolTest {
    @TempDir
    Path dir;

    private RaidArray array;
    private ControlServer server;
    private List<Path> members;

    @BeforeEach
    void start() throws Exception {
        members = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path p = dir.resolve("m" + i + ".img");
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(16L << 20);
            }
            members.add(p);
        }
        Cli.Result r = Cli.run("create", "-l1", "-n2", "--assume-clean", members.get(0).toString(),
                members.get(1).toString());
        assertEquals(0, r.rc(), r.err());
        array = RaidArray.assemble(AssembleOptions.of(members));
        server = ControlServer.start(array, "nbd+unix:///x?socket=/nowhere", dir.resolve("c.sock"), 2_000);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (array != null) {
            array.stop();
        }
    }

    /** The raw reply lines to one raw request line. */
    private String raw(String requestLine) throws Exception {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(server.path()));
            c.write(ByteBuffer.wrap(requestLine.getBytes(StandardCharsets.UTF_8)));
            return readAll(c);
        }
    }

    private static String readAll(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        try {
            while (c.read(b) >= 0 && b.hasRemaining()) {
                // until the server closes
            }
        } catch (IOException reset) {
            // a Unix socket closed with unread bytes resets its peer after the answer
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    /** Exactly one line, an error object, whose message contains {@code expected}. */
    private static void assertOneErrorLine(String reply, String expected) throws Exception {
        assertTrue(reply.endsWith("\n") && reply.indexOf('\n') == reply.length() - 1, "not one line: " + reply);
        JsonNode j = ControlJson.MAPPER.readTree(reply);
        assertFalse(j.path("ok").asBoolean(true), reply);
        assertTrue(j.path("error").asText().contains(expected), reply);
        assertEquals(2, j.size(), "only ok and error: " + reply);
    }

    @Test
    void badRequestsGetOneErrorLineAndOthersAreStillServed() throws Exception {
        // Connected first, its request sent only after all the bad ones were answered.
        try (SocketChannel patient = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            patient.connect(UnixDomainSocketAddress.of(server.path()));

            assertOneErrorLine(raw("detail\n"), "malformed request (not JSON)");
            assertOneErrorLine(raw("{\"request\":\"detail\"\n"), "malformed request (not JSON)");
            assertOneErrorLine(raw("[\"detail\"]\n"), "expected one JSON object");
            assertOneErrorLine(raw("{\"device\":\"/x\"}\n"), "no \"request\" name");
            assertOneErrorLine(raw("{\"request\":42}\n"), "no \"request\" name");
            assertOneErrorLine(raw("{\"request\":\"frobnicate\"}\n"), "unknown control request 'frobnicate'");
            assertOneErrorLine(raw("{\"request\":\"fail\"}\n"), "fail: missing argument \"device\"");
            assertOneErrorLine(raw("{\"request\":\"fail\",\"device\":7}\n"), "\"device\" must be a non-empty string");
            assertOneErrorLine(raw("{\"request\":\"fail\",\"device\":\"m0.img\"}\n"), "must be an absolute path");
            assertOneErrorLine(raw("{\"request\":\"add\",\"device\":\"/nonexistent\",\"force\":\"yes\"}\n"),
                    "\"force\" must be true or false");
            assertOneErrorLine(raw("{\"request\":\"sync-action\"}\n"), "missing argument \"action\"");
            assertOneErrorLine(raw("{\"request\":\"sync-action\",\"action\":\"scrub\"}\n"), "unknown sync action 'scrub'");
            assertOneErrorLine(raw("{\"request\":\"stop\"}\n"), "cannot be stopped over its control socket");
            String huge = "{\"request\":\"detail\",\"pad\":\"" + "x".repeat(5000) + "\"}\n";
            assertOneErrorLine(raw(huge), "request line longer than 4096 bytes");
            // A path that is no member: the array's own one-line refusal.
            assertOneErrorLine(raw("{\"request\":\"fail\",\"device\":\"/nonexistent\"}\n"), "/nonexistent");

            // Nothing of it changed the array: both members still in sync.
            JsonNode d = ControlClient.request(server.path(), "detail");
            assertEquals("clean", d.path("state").asText(), d.toString());
            assertEquals(2, d.path("activeDevices").asInt(), d.toString());

            patient.write(ByteBuffer.wrap("{\"request\":\"detail\"}\n".getBytes(StandardCharsets.UTF_8)));
            JsonNode reply = ControlJson.MAPPER.readTree(readAll(patient));
            assertTrue(reply.path("ok").asBoolean(), reply.toString());
            assertEquals(array.status().uuid(), reply.path("result").path("uuid").asText());
        }
    }

    @Test
    void clientTurnsAnErrorReplyIntoArrayExceptionWithTheLine() throws Exception {
        ArrayException e = assertThrows(ArrayException.class,
                () -> ControlClient.request(server.path(), "frobnicate"));
        assertEquals("unknown control request 'frobnicate'", e.getMessage());
    }

    @Test
    void manageRequestsAreAnsweredWithAMessage() throws Exception {
        JsonNode r = ControlClient.request(server.path(), ControlJson.request("fail")
                .put("device", members.get(1).toAbsolutePath().toString()));
        assertEquals("bitmirror: set " + members.get(1).toAbsolutePath() + " faulty in " + array.status().name(),
                r.path("message").asText());
        JsonNode d = ControlClient.request(server.path(), "detail");
        assertEquals(1, d.path("failedDevices").asInt(), d.toString());
        assertTrue(d.path("flags").toString().contains("degraded"), d.toString());
    }

    @Test
    void aHandlerMayStreamSeveralLinesUntilTheClientCloses() throws Exception {
        // The subscribe shape: first reply, then one object per line, until the client goes.
        RequestHandler ticks = new RequestHandler() {
            @Override public String name() { return "ticks"; }
            @Override public boolean serializedWithManage() { return false; }
            @Override public JsonNode handle(Request r) throws IOException {
                ReplyStream s = r.stream(ControlJson.MAPPER.createObjectNode().put("subscribed", true));
                for (int i = 0; !s.awaitClientClosed(20); i++) {
                    s.send(ControlJson.MAPPER.createObjectNode().put("tick", i));
                }
                return null;
            }
        };
        server.close();
        server = ControlServer.start(array, null, dir.resolve("c2.sock"), 2_000,
                RequestRegistry.standard().with(ticks));
        try (ControlClient.Stream s = ControlClient.open(server.path(), ControlJson.request("ticks"))) {
            assertTrue(s.result().path("subscribed").asBoolean());
            for (int i = 0; i < 3; i++) {
                assertEquals(i, s.next().path("tick").asInt());
            }
        }
        // The stream ended, the server serves the next client.
        assertEquals("clean", ControlClient.request(server.path(), "detail").path("state").asText());
    }
}
