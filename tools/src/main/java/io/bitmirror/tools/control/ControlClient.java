package io.bitmirror.tools.control;

import io.bitmirror.raid.ArrayException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Sends one control request and returns the answer's text; an error answer becomes an exception. */
public final class ControlClient {
    private ControlClient() {
    }

    public static String request(Path socket, String line) throws IOException {
        SocketChannel c;
        try {
            c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new ArrayException("control socket " + socket + ": cannot connect (" + e.getMessage()
                    + "); is the array running?");
        }
        try (c) {
            c.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                    StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status == null) {
                throw new ArrayException("control socket " + socket + ": no answer");
            }
            if (status.startsWith("error: ")) {
                throw new ArrayException(status.substring(7));
            }
            StringBuilder sb = new StringBuilder();
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                sb.append(l).append('\n');
            }
            return sb.toString();
        }
    }
}
