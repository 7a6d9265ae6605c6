package io.bitmirror.tools.control;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code {"request":"add","device":PATH,"force":BOOL}}: mdadm --add; with force the signature
 * check (filesystem, md superblock) is skipped.
 */
final class AddRequest extends MemberRequest {
    @Override
    public String name() {
        return "add";
    }

    @Override
    String act(Request r, Path device) throws IOException {
        r.array().add(device, r.flag("force"));
        return "bitmirror: added " + device;
    }
}
