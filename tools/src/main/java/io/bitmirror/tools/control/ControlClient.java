package io.bitmirror.tools.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.bitmirror.raid.ArrayException;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Sends one control request object and returns its result; an error reply becomes an
 * {@link ArrayException} with the server's one-line message. {@link #open} keeps the connection
 * for a streaming reply.
 */
public final class ControlClient {
    private ControlClient() {
    }

    /** {@code {"request":name}} with no arguments. */
    public static JsonNode request(Path socket, String name) throws IOException {
        return request(socket, ControlJson.request(name));
    }

    /** Sends {@code request} and returns the reply's {@code result}. */
    public static JsonNode request(Path socket, ObjectNode request) throws IOException {
        try (Stream s = open(socket, request)) {
            return s.result();
        }
    }

    /**
     * Sends {@code request} and reads the first reply line; the caller reads further lines (a
     * subscription's events) with {@link Stream#next()} and closes to end the stream.
     */
    public static Stream open(Path socket, ObjectNode request) throws IOException {
        SocketChannel c;
        try {
            c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new ArrayException("control socket " + socket + ": cannot connect (" + e.getMessage()
                    + "); is the array running?");
        }
        try {
            c.write(ByteBuffer.wrap(ControlJson.line(request).getBytes(StandardCharsets.UTF_8)));
            Stream s = new Stream(socket, c);
            JsonNode reply = s.next();
            if (reply == null) {
                throw new ArrayException("control socket " + socket + ": no answer");
            }
            if (!reply.path("ok").asBoolean(false)) {
                throw new ArrayException(reply.path("error").asText("error reply without a message"));
            }
            s.result = reply.get("result");
            return s;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** One connection's reply lines. */
    public static final class Stream implements Closeable {
        private final Path socket;
        private final SocketChannel channel;
        private final BufferedReader in;
        private JsonNode result;

        Stream(Path socket, SocketChannel channel) {
            this.socket = socket;
            this.channel = channel;
            this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8));
        }

        /** The first reply's result. */
        public JsonNode result() {
            return result;
        }

        /** The next line as JSON, or null when the server closed. */
        public JsonNode next() throws IOException {
            String line = in.readLine();
            if (line == null) {
                return null;
            }
            try {
                return ControlJson.MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                throw new ArrayException("control socket " + socket + ": not a JSON reply: " + e.getOriginalMessage());
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
