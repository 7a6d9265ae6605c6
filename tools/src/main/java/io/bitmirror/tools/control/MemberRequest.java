package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;

import io.bitmirror.raid.remote.NbdMemberUri;
import io.bitmirror.raid.remote.RemoteMembers;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What fail, remove, re-add and add have in common: one {@code "device"} argument (an absolute
 * path, the client resolves relative ones; or a remote member's NBD URI), serialized with the
 * other manage requests, answered with {@code {"message":...}}.
 */
abstract class MemberRequest implements RequestHandler {
    @Override
    public final boolean serializedWithManage() {
        return true;
    }

    @Override
    public final JsonNode handle(Request r) throws IOException {
        String dev = r.text("device");
        Path p = Path.of(dev);
        String bad = NbdMemberUri.problem(p);
        if (bad != null) {
            throw new RequestException(name() + ": " + bad);
        }
        if (!p.isAbsolute() && !RemoteMembers.isRemote(p)) {
            // The server's working directory is not the client's: a relative path would name another file.
            throw new RequestException(name() + ": \"device\" must be an absolute path: " + dev);
        }
        return ControlJson.MAPPER.createObjectNode().put("message", act(r, p));
    }

    /** Does it; returns the line the command prints. */
    abstract String act(Request r, Path device) throws IOException;
}
