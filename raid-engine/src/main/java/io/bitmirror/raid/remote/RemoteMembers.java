package io.bitmirror.raid.remote;

import io.bitmirror.raid.device.DeviceInfo;
import io.bitmirror.raid.member.CacheMode;
import io.bitmirror.raid.member.FileMemberDevice;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.MetadataSource;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a member path may be an NBD URI: probing its size, reading its metadata and opening it
 * go to an {@link NbdClient} for a URI and to the local device otherwise. Members travel through
 * the project as {@link Path}s; {@link NbdMemberUri#of(Path)} tells a URI from a file.
 *
 * <p>The client certificates of {@code nbds://} members come from the URI's
 * {@code tls-certificates=DIR} query (libnbd's) or else from {@code --tls-certificates=DIR}, set
 * once per process by the command line ({@link #tlsCertificates(Path)}).
 */
public final class RemoteMembers {
    /** Requests a remote member keeps in flight per connection at most. */
    public static final int QUEUE_DEPTH = 64;

    private static volatile Path tlsCertificates;

    private RemoteMembers() {
    }

    /** The directory with ca-cert.pem, client-cert.pem and client-key.pem for nbds:// members. */
    public static void tlsCertificates(Path dir) {
        tlsCertificates = dir;
    }

    /** True when {@code p} is an NBD URI rather than a file or device. */
    public static boolean isRemote(Path p) {
        return NbdMemberUri.isRemote(p);
    }

    /** The member's name for people: the URI for a remote member, else the path. */
    public static String text(Path p) {
        NbdMemberUri u = p == null ? null : NbdMemberUri.of(p);
        return u != null ? u.toString() : String.valueOf(p);
    }

    private static NbdClient connect(Path p, boolean writable) throws IOException {
        NbdMemberUri u = NbdMemberUri.of(p);
        if (u == null) {
            throw new IOException(NbdMemberUri.problem(p));
        }
        return NbdClient.connect(u, tlsCertificates, writable, QUEUE_DEPTH);
    }

    /**
     * What the device is: for a URI a connection asks the server for the export's size (a
     * remote export is a file to the array: no device number; the URI itself identifies it).
     */
    public static DeviceInfo probe(Path p) throws IOException {
        if (!isRemote(p)) {
            return DeviceInfo.probe(p);
        }
        try (NbdClient c = connect(p, false)) {
            long id = NbdMemberUri.of(p).toString().hashCode();
            return new DeviceInfo(p, false, c.sizeBytes(), Math.max(512, c.logicalBlockSize()), id, -1);
        }
    }

    /** The md metadata on the device (superblock and bitmap), read from the file or over NBD. */
    public static MemberMetadata readMetadata(Path p) throws IOException {
        if (!isRemote(p)) {
            return MetadataReader.read(p);
        }
        try (MetadataSource src = metadataSource(p)) {
            return MetadataReader.read(src);
        }
    }

    /** A read-only source of the device's bytes, for metadata readers ({@code examine}). */
    public static MetadataSource metadataSource(Path p) throws IOException {
        if (!isRemote(p)) {
            return MetadataSource.open(p);
        }
        NbdClient c = connect(p, false);
        return new MetadataSource() {
            @Override
            public String name() {
                return c.name();
            }

            @Override
            public long sizeBytes() {
                return c.sizeBytes();
            }

            @Override
            public void read(long position, java.nio.ByteBuffer dst) throws IOException {
                if (position < 0 || position + dst.remaining() > c.sizeBytes()) {
                    throw new java.io.EOFException("end of device at byte " + c.sizeBytes());
                }
                c.read(position, dst);
            }

            @Override
            public void close() throws IOException {
                c.close();
            }
        };
    }

    /** The first signature on the device ({@link io.bitmirror.raid.device.SignatureProbe}), or null. */
    public static String signature(DeviceInfo dev) throws IOException {
        if (!isRemote(dev.path())) {
            return io.bitmirror.raid.device.SignatureProbe.find(dev);
        }
        try (MetadataSource src = metadataSource(dev.path())) {
            return io.bitmirror.raid.device.SignatureProbe.find(dev, src::read);
        }
    }

    /** Opens a member for I/O: a connection for a URI, else the file or device in {@code cache} mode. */
    public static MemberDevice open(Path p, boolean readOnly, CacheMode cache) throws IOException {
        if (isRemote(p)) {
            return connect(p, !readOnly);
        }
        return readOnly ? FileMemberDevice.openReadOnly(p, cache) : FileMemberDevice.open(p, cache);
    }
}
