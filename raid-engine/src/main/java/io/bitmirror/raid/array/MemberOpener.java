package io.bitmirror.raid.array;

import io.bitmirror.raid.member.MemberDevice;

import java.io.IOException;
import java.nio.file.Path;

/** Opens a member for I/O; fault injection wraps the default. */
@FunctionalInterface
public interface MemberOpener {
    MemberDevice open(Path path) throws IOException;
}
