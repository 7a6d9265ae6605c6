package io.bitmirror.tools.control;

import java.io.IOException;
import java.nio.file.Path;

/** {@code {"request":"re-add","device":PATH}}: mdadm --re-add (bitmap-based recovery when possible). */
final class ReAddRequest extends MemberRequest {
    @Override
    public String name() {
        return "re-add";
    }

    @Override
    String act(Request r, Path device) throws IOException {
        r.array().reAdd(device);
        return "bitmirror: re-added " + device;
    }
}
