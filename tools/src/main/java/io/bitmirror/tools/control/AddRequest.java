package io.bitmirror.tools.control;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code {"request":"add","device":PATH,"force":BOOL,"writeMostly":BOOL}}: mdadm --add; with force
 * the signature check (filesystem, md superblock) is skipped; writeMostly as mdadm's {@code -W}.
 */
final class AddRequest extends MemberRequest {
    @Override
    public String name() {
        return "add";
    }

    @Override
    String act(Request r, Path device) throws IOException {
        r.array().add(device, r.flag("force"), r.flag("writeMostly"));
        return "bitmirror: added " + device + (r.flag("writeMostly") ? " (write-mostly)" : "");
    }
}
