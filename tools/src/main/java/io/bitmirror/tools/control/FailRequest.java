package io.bitmirror.tools.control;

import java.io.IOException;
import java.nio.file.Path;

/** {@code {"request":"fail","device":PATH}}: mdadm --fail. */
final class FailRequest extends MemberRequest {
    @Override
    public String name() {
        return "fail";
    }

    @Override
    String act(Request r, Path device) throws IOException {
        r.array().fail(device);
        return "bitmirror: set " + device + " faulty in " + r.array().status().name();
    }
}
