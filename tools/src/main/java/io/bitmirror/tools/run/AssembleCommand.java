package io.bitmirror.tools.run;

import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.member.CacheMode;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.io.MemberIoMode;
import io.bitmirror.raid.nbd.Dispatch;
import io.bitmirror.raid.nbd.NbdOptions;
import io.bitmirror.raid.nbd.PemTls;
import io.bitmirror.raid.nbd.TlsMode;
import io.bitmirror.raid.nbd.NbdUri;
import io.bitmirror.tools.UsageException;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror assemble}: as {@code mdadm --assemble}, then serves the array over NBD until
 * SIGINT or SIGTERM, when it drains, flushes, marks the array clean and exits 0.
 */
@Command(name = "assemble", mixinStandardHelpOptions = true,
        description = "Assemble an array and serve it over NBD until SIGINT/SIGTERM.")
public final class AssembleCommand implements Callable<Integer> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AssembleCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = {"-b", "--bitmap"}, paramLabel = "PATH",
            description = "External bitmap file (default: the one registered for the array, if any).")
    Path bitmap;

    @Option(names = "--rebuild-bitmap", description = "Accept an external bitmap file whose blocks changed: it is "
            + "rewritten all dirty and the array resyncs fully.")
    boolean rebuildBitmap;

    @Option(names = "--config", paramLabel = "FILE", description = "Bitmap registry (default: $BITMIRROR_CONF or "
            + "/etc/bitmirror/bitmirror.conf).")
    Path config;

    @Option(names = "--changes-dir", paramLabel = "DIR", description = "Where the changed-block bitmaps "
            + "(manage --track-changes) live (default: bitmirror-changes/NAME beside the config file).")
    Path changesDir;

    @Option(names = "--export", paramLabel = "URI", description = "nbd+unix:///?socket=PATH (default, mode 0600) or "
            + "nbd://127.0.0.1:PORT.")
    String export;

    @Option(names = "--allow-remote", description = "Allow a TCP export on an address that is not loopback "
            + "(without TLS this logs a warning).")
    boolean allowRemote;

    @Option(names = "--tls", defaultValue = "off", paramLabel = "off|on|require",
            description = "TLS on the export, nbdkit's words: off (default), on (clients may upgrade with STARTTLS), "
                    + "require (every option but STARTTLS and ABORT refused until TLS is up).")
    String tls;

    @Option(names = "--tls-certificates", paramLabel = "DIR", description = "ca-cert.pem, server-cert.pem and "
            + "server-key.pem (PKCS#8 or PKCS#1 RSA key, unencrypted), nbdkit's names; needed with --tls=on|require.")
    Path tlsCertificates;

    @Option(names = "--tls-verify-peer", description = "Require a client certificate signed by ca-cert.pem.")
    boolean tlsVerifyPeer;

    @Option(names = "--max-connections", defaultValue = "" + NbdOptions.DEFAULT_MAX_CONNECTIONS, paramLabel = "N",
            description = "NBD connections served at once; more are closed with a log line (default ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--handshake-timeout", defaultValue = "" + NbdOptions.DEFAULT_HANDSHAKE_MILLIS / 1000,
            paramLabel = "SECONDS", description = "A connection that has not started transmission (NBD and TLS "
                    + "handshake) by then is closed (default ${DEFAULT-VALUE}).")
    int handshakeTimeout;

    @Option(names = "--control", paramLabel = "SOCKET", description = "Control socket for detail and manage "
            + "(default: next to the export socket, NAME.control).")
    Path control;

    @Option(names = {"-R", "--run"}, description = "Start even if members are missing or stale (degraded).")
    boolean run;

    @Option(names = {"-o", "--readonly"}, description = "Read-only, as mdadm --readonly: nothing is written to any "
            + "member (no superblock update at start or stop, no bitmap write, no resync: an array not stopped "
            + "cleanly says resync=PENDING); the export says read-only and writes get EPERM.")
    boolean readOnly;

    @Option(names = "--speed-limit-min", defaultValue = "1000", paramLabel = "KiB/s",
            description = "Resync speed floor while clients write (default ${DEFAULT-VALUE}).")
    long minSpeed;

    @Option(names = "--speed-limit-max", defaultValue = "200000", paramLabel = "KiB/s",
            description = "Resync speed ceiling, 0 for none (default ${DEFAULT-VALUE}).")
    long maxSpeed;

    @Option(names = "--member-threads", description = "The same as --member-io=threads.")
    boolean memberThreads;

    @Option(names = "--member-io", defaultValue = "auto", paramLabel = "auto|aio|threads|inline",
            converter = MemberIoConverter.class,
            description = "How members are written: aio submits a write to every member at once (Linux AIO, "
                    + "O_DIRECT) and completes it on a completion thread; threads hands each member to its own "
                    + "I/O thread; inline writes each member in turn from the requesting thread. auto (the "
                    + "default) is aio where the kernel allows it, else inline with one line in the log.")
    MemberIoMode memberIo;

    @Option(names = "--queue-depth", defaultValue = "64", paramLabel = "N",
            description = "Member requests in flight at once, 1 to 64 (the array's request slots; each member sees at "
                    + "most this many; default ${DEFAULT-VALUE}).")
    int queueDepth;

    @Option(names = "--member-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "A member write or flush not answered within this time fails the member and the array "
                    + "goes on degraded, instead of hanging (default ${DEFAULT-VALUE}; 0: wait forever, as md). "
                    + "Not with --member-io=inline, where the requesting thread itself waits on the device.")
    long memberTimeout;
    @Option(names = "--no-reconnect", description = "A remote member whose connection broke stays failed until "
            + "'manage --re-add' (md's way); by default the array reconnects it with backoff and re-adds it by "
            + "itself, catching up from the bitmap (DRBD's way).")
    boolean noReconnect;

    @Option(names = "--cache", defaultValue = "none", paramLabel = "none|writeback", converter = CacheConverter.class,
            description = "The members' cache, qemu-nbd's words: none (the default) opens them with O_DIRECT; "
                    + "writeback writes through the page cache, made durable by fdatasync wherever the array "
                    + "flushes a member (client flush, FUA write, before a bitmap bit clears).")
    CacheMode cache;

    @Option(names = "--nbd-dispatch", defaultValue = "auto", paramLabel = "auto|reader|workers",
            converter = DispatchConverter.class,
            description = "Who runs NBD reads and writes: the connection's reader while they complete faster than "
                    + "a thread hand-off (auto, the default), always the reader, or always worker threads.")
    Dispatch dispatch;

    @Option(names = {"-s", "--scan"}, description = "Take the members from the config file: examine its DEVICE "
            + "candidates and assemble the array named by the argument (a name or UUID; none: the file's only "
            + "array); its ARRAY line's export=, control= and bitmap= are the defaults of those options.")
    boolean scan;

    @Parameters(paramLabel = "DEVICE", arity = "0..*", description = "The members (with --scan: NAME or UUID).")
    List<Path> devices;

    @Override
    public Integer call() throws Exception {
        // Before any member is read: nbds:// members connect with these client certificates.
        io.bitmirror.raid.remote.RemoteMembers.tlsCertificates(tlsCertificates);
        if (readOnly && rebuildBitmap) {
            throw new UsageException("--rebuild-bitmap rewrites the bitmap file: not with --readonly");
        }
        if (memberThreads && memberIo != MemberIoMode.AUTO && memberIo != MemberIoMode.THREADS) {
            throw new UsageException("--member-threads is --member-io=threads: not with --member-io=" + memberIo.word());
        }
        if (memberIo == MemberIoMode.AIO && cache == CacheMode.WRITEBACK) {
            throw new UsageException("--member-io=aio needs O_DIRECT members: not with --cache=writeback");
        }
        if (queueDepth < 1 || queueDepth > 64) {
            throw new UsageException("--queue-depth must be 1 to 64: " + queueDepth);
        }
        if (memberTimeout < 0) {
            throw new UsageException("--member-timeout must be 0 or more seconds: " + memberTimeout);
        }
        fromConfig();
        String name;
        boolean internal;
        try {
            io.bitmirror.raid.superblock.Superblock sb = io.bitmirror.raid.remote.RemoteMembers.readMetadata(devices.get(0))
                    .superblock();
            name = sb.setName();
            internal = sb.hasFeature(io.bitmirror.raid.superblock.FeatureMap.BITMAP_OFFSET);
        } catch (MdFormatException e) {
            throw new ArrayException(devices.get(0) + ": " + e.getMessage());
        }
        if (internal && bitmap != null) {
            throw new ArrayException("--bitmap " + bitmap + ": the array has an internal bitmap");
        }
        String shortName = name.substring(name.indexOf(':') + 1).replace('/', '_');
        Path dir = defaultDir();
        String uri = export != null ? export : NbdUri.unix(dir.resolve(shortName + ".sock"));
        NbdUri parsed = Endpoints.parse(uri);
        Path ctl = control != null ? control : (parsed.socket() != null
                ? parsed.socket().toAbsolutePath().resolveSibling(shortName + ".control")
                : dir.resolve(shortName + ".control"));
        if (minSpeed < 0 || maxSpeed < 0) {
            throw new UsageException("--speed-limit-min and --speed-limit-max must not be negative");
        }
        // Certificates are read before anything touches a member: a bad one is refused first.
        NbdOptions nbd = nbdOptions();
        ExternalBitmapOpener ext = new ExternalBitmapOpener(bitmap, devices, config, rebuildBitmap);
        AssembleOptions.Builder b = AssembleOptions.builder(devices).run(run).minSpeedKiB(minSpeed)
                .maxSpeedKiB(maxSpeed).memberIo(memberThreads ? MemberIoMode.THREADS : memberIo)
                .memberTimeoutMillis(memberTimeout * 1000).reconnect(!noReconnect).slots(queueDepth).cache(cache).readOnly(readOnly)
                .changesDir(changesDir(shortName));
        if (!internal) {
            // The superblock does not record an external bitmap: --bitmap, or the registry.
            b.externalBitmap(ext);
        }
        AssembleOptions opts = b.build();
        PrintWriter out = spec.commandLine().getOut();
        return ArrayRunner.run(opts, uri, allowRemote, nbd, ctl, out, () -> {
            if (ext.used() != null) {
                LOG.info("external bitmap {}", ext.used());
            }
        });
    }

    /**
     * With --scan, the members and the defaults come from the config file; without it, members
     * must be given. Runs before anything else looks at the options, so the rest of assembly is
     * the same whichever way the members were named.
     */
    private void fromConfig() throws java.io.IOException {
        List<Path> args = devices == null ? List.of() : devices;
        if (!scan) {
            if (args.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "Missing required parameter: 'DEVICE' (or --scan)");
            }
            return;
        }
        if (args.size() > 1) {
            throw new UsageException("--scan takes one array (NAME or UUID), got " + args.size() + " arguments");
        }
        // A warning of the server on its way up: through the logger, as every line it prints
        // while it runs (one format in the journal), not the CLI's "bitmirror: warning:".
        io.bitmirror.tools.scan.ConfigSelection sel = io.bitmirror.tools.scan.ConfigSelection.select(
                io.bitmirror.bitmapfile.config.ConfigFile.locate(config), args.isEmpty() ? null : args.get(0).toString(),
                LOG::warn);
        devices = sel.members();
        // The command line wins over the ARRAY line.
        if (export == null) {
            export = sel.get("export");
        }
        if (control == null && sel.get("control") != null) {
            control = Path.of(sel.get("control"));
        }
        if (bitmap == null && sel.get("bitmap") != null) {
            bitmap = Path.of(sel.get("bitmap"));
        }
    }

    /** A member is an nbds:// URI: --tls-certificates is for it even without --tls. */
    private boolean anyTlsMember() {
        for (Path p : devices == null ? List.<Path>of() : devices) {
            io.bitmirror.raid.remote.NbdMemberUri u = io.bitmirror.raid.remote.NbdMemberUri.of(p);
            if (u != null && u.tls()) {
                return true;
            }
        }
        return false;
    }

    /** --tls, --tls-certificates, --tls-verify-peer and the limits, checked and loaded. */
    NbdOptions nbdOptions() throws ArrayException {
        TlsMode mode;
        try {
            mode = TlsMode.parse(tls);
        } catch (ArrayException e) {
            throw new UsageException(e.getMessage());
        }
        if (maxConnections < 1) {
            throw new UsageException("--max-connections " + maxConnections + ": must be at least 1");
        }
        if (handshakeTimeout < 1) {
            throw new UsageException("--handshake-timeout " + handshakeTimeout + ": must be at least 1 second");
        }
        NbdOptions o = NbdOptions.defaults(dispatch).withLimits(maxConnections, handshakeTimeout * 1000L);
        // The same directory holds the client certificates of nbds:// members (libnbd's names).
        io.bitmirror.raid.remote.RemoteMembers.tlsCertificates(tlsCertificates);
        if (mode == TlsMode.OFF) {
            if (tlsVerifyPeer || tlsCertificates != null && !anyTlsMember()) {
                throw new UsageException("--tls-certificates and --tls-verify-peer need --tls=on or --tls=require"
                        + " (or an nbds:// member)");
            }
            return o;
        }
        if (tlsCertificates == null) {
            throw new UsageException("--tls=" + tls + " needs --tls-certificates=DIR");
        }
        return o.withTls(mode, PemTls.server(tlsCertificates), tlsVerifyPeer);
    }

    static final class MemberIoConverter implements picocli.CommandLine.ITypeConverter<MemberIoMode> {
        @Override
        public MemberIoMode convert(String value) {
            try {
                return MemberIoMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class CacheConverter implements picocli.CommandLine.ITypeConverter<CacheMode> {
        @Override
        public CacheMode convert(String value) {
            try {
                return CacheMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DispatchConverter implements picocli.CommandLine.ITypeConverter<Dispatch> {
        @Override
        public Dispatch convert(String value) {
            for (Dispatch d : Dispatch.values()) {
                if (d.name().equalsIgnoreCase(value)) {
                    return d;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not auto, reader or workers");
        }
    }

    /** /run/bitmirror when it can be used (root), else the current directory. */
    /**
     * Changed-block bitmaps: --changes-dir, else beside the config file (persistent storage,
     * unlike the run directory), in {@code bitmirror-changes/NAME/}.
     */
    private Path changesDir(String shortName) {
        if (changesDir != null) {
            return changesDir.toAbsolutePath();
        }
        Path conf = io.bitmirror.bitmapfile.config.ConfigFile.locate(config).toAbsolutePath();
        return conf.resolveSibling("bitmirror-changes").resolve(shortName);
    }

    static Path defaultDir() {
        Path run = Path.of("/run/bitmirror");
        try {
            if (Files.isDirectory(Path.of("/run")) && Files.isWritable(Path.of("/run"))) {
                Files.createDirectories(run);
                return run;
            }
        } catch (java.io.IOException e) {
            // fall back to the current directory
        }
        return Path.of("").toAbsolutePath();
    }
}
