package io.bitmirror.tools.scan;

import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockVersion;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads each candidate's superblock (fully validated, O_DIRECT) and groups the candidates by array
 * uuid. A candidate that is not a valid md member is handed to the caller's {@link Problems} with
 * the reason, never dropped unseen: examine reports it, assemble --scan logs it.
 */
public final class MemberScan {
    /** Receives a candidate that holds no usable superblock, and why. */
    public interface Problems {
        void skipped(Path device, String reason);
    }

    private MemberScan() {
    }

    /** The arrays among {@code candidates}, in the order their first member was seen. */
    public static List<ScannedArray> scan(List<Path> candidates, Problems problems) {
        List<Group> groups = new ArrayList<>();
        for (Path p : candidates) {
            Superblock sb;
            try {
                sb = io.bitmirror.raid.remote.RemoteMembers.readMetadata(p).superblock();
            } catch (NoSuchFileException e) {
                problems.skipped(p, "no such file or device");
                continue;
            } catch (MdFormatException | IOException e) {
                problems.skipped(p, e.getMessage());
                continue;
            }
            byte[] uuid = sb.setUuid();
            Group g = null;
            for (Group x : groups) {
                if (Arrays.equals(x.uuid, uuid)) {
                    g = x;
                }
            }
            if (g == null) {
                String version = SuperblockVersion.fromSuperOffset(sb.superOffset()).label();
                g = new Group(uuid, sb.setName(), version);
                groups.add(g);
            }
            g.members.add(p);
        }
        List<ScannedArray> out = new ArrayList<>();
        for (Group g : groups) {
            out.add(new ScannedArray(g.uuid, g.name, g.version, g.members));
        }
        return out;
    }

    private static final class Group {
        final byte[] uuid;
        final String name;
        final String version;
        final List<Path> members = new ArrayList<>();

        Group(byte[] uuid, String name, String version) {
            this.uuid = uuid;
            this.name = name;
            this.version = version;
        }
    }
}
