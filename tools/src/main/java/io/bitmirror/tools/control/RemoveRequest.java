package io.bitmirror.tools.control;

import java.io.IOException;
import java.nio.file.Path;

/** {@code {"request":"remove","device":PATH}}: mdadm --remove of a faulty member. */
final class RemoveRequest extends MemberRequest {
    @Override
    public String name() {
        return "remove";
    }

    @Override
    String act(Request r, Path device) throws IOException {
        r.array().remove(device);
        return "bitmirror: hot removed " + device + " from " + r.array().status().name();
    }
}
