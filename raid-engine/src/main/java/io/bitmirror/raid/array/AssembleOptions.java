package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.Mutant;
import io.bitmirror.raid.member.CacheMode;
import io.bitmirror.raid.member.FileMemberDevice;

import io.bitmirror.raid.io.MemberIoMode;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How to assemble an array: the members and the tunables of the running array. Built only
 * through {@link #builder(List)} (or {@link #of(List)} for md's defaults):
 *
 * <pre>{@code
 * AssembleOptions opts = AssembleOptions.builder(devices).run(true).maxSpeedKiB(50_000).build();
 * try (RaidArray array = RaidArray.assemble(opts)) { ... }
 * }</pre>
 *
 * <p>Immutable and safe to share between threads; one options object may assemble the same
 * array again after a stop. {@link Builder#build()} rejects programming errors (a null, a
 * negative time or speed, fewer than one slot, an I/O size that is not a positive multiple of
 * {@link RaidArray#BLOCK_SIZE}) with an {@link IllegalArgumentException} naming the field;
 * everything about the members themselves is checked by {@link RaidArray#assemble} and comes
 * as an {@link io.bitmirror.raid.ArrayException} (see docs/API.md).
 */
public final class AssembleOptions {
    private final List<Path> devices;
    private final boolean run;
    private final MemberOpener opener;
    private final BitmapStoreOpener externalBitmap;
    private final long daemonSleepMillis;
    private final long safeModeMillis;
    private final long minSpeedKiB;
    private final long maxSpeedKiB;
    private final boolean autoResync;
    private final int slots;
    private final int maxIoBytes;
    /** A member request unanswered this long fails the member: a SCSI command's default time-out. */
    public static final long DEFAULT_MEMBER_TIMEOUT_MILLIS = 30_000;
    private final MemberIoMode memberIo;
    private final long memberTimeoutMillis;
    private final boolean reconnect;
    private final CacheMode cache;
    private final boolean readOnly;
    private final ArrayEventListener listener;
    private final Path changesDir;
    /** Not API: set only through io.bitmirror.raid.internal.ArrayInternals (tests, crash explorer). */
    private final Mutant mutant;

    private AssembleOptions(Builder b, Mutant mutant) {
        this.devices = b.devices;
        this.run = b.run;
        this.opener = b.opener;
        this.externalBitmap = b.externalBitmap;
        this.daemonSleepMillis = b.daemonSleepMillis;
        this.safeModeMillis = b.safeModeMillis;
        this.minSpeedKiB = b.minSpeedKiB;
        this.maxSpeedKiB = b.maxSpeedKiB;
        this.autoResync = b.autoResync;
        this.slots = b.slots;
        this.maxIoBytes = b.maxIoBytes;
        this.memberIo = b.memberIo;
        this.memberTimeoutMillis = b.memberTimeoutMillis;
        this.reconnect = b.reconnect;
        this.cache = b.cache;
        this.readOnly = b.readOnly;
        this.listener = b.listener;
        this.changesDir = b.changesDir;
        this.mutant = mutant;
    }

    /** A builder for {@code devices} (any order) with md's defaults, see {@link Builder}. */
    public static Builder builder(List<Path> devices) {
        return new Builder(devices);
    }

    /** A builder for {@code devices} (any order) with md's defaults, see {@link Builder}. */
    public static Builder builder(Path... devices) {
        return new Builder(Arrays.asList(Objects.requireNonNull(devices, "devices")));
    }

    /** md's defaults for {@code devices}: {@code builder(devices).build()}. */
    public static AssembleOptions of(List<Path> devices) {
        return builder(devices).build();
    }

    /** A builder holding these options, to derive others from them. */
    public Builder toBuilder() {
        Builder b = new Builder(devices);
        b.run = run;
        b.opener = opener;
        b.externalBitmap = externalBitmap;
        b.daemonSleepMillis = daemonSleepMillis;
        b.safeModeMillis = safeModeMillis;
        b.minSpeedKiB = minSpeedKiB;
        b.maxSpeedKiB = maxSpeedKiB;
        b.autoResync = autoResync;
        b.slots = slots;
        b.maxIoBytes = maxIoBytes;
        b.memberIo = memberIo;
        b.memberTimeoutMillis = memberTimeoutMillis;
        b.reconnect = reconnect;
        b.cache = cache;
        b.readOnly = readOnly;
        b.listener = listener;
        b.changesDir = changesDir;
        return b;
    }

    /** The members (any order; unmodifiable). */
    public List<Path> devices() {
        return devices;
    }

    /** Start even when members are missing or stale (degraded), as {@code mdadm --run}. */
    public boolean run() {
        return run;
    }

    /**
     * Opens members for I/O: the one set, else read-write in the {@link #cache()} mode (O_DIRECT
     * by default), or read-only ({@link FileMemberDevice#openReadOnly}) for a {@link #readOnly()}
     * array.
     */
    public MemberOpener opener() {
        if (opener != null) {
            return opener;
        }
        CacheMode c = cache;
        boolean ro = readOnly;
        // A URI member is a connection to its server; anything else the file or device.
        return p -> io.bitmirror.raid.remote.RemoteMembers.open(p, ro, c);
    }

    /**
     * The members' cache mode ({@code --cache}); default {@link CacheMode#NONE}. Used by the
     * default opener; a custom {@link Builder#opener} decides for itself.
     */
    public CacheMode cache() {
        return cache;
    }

    /**
     * Read-only, as {@code mdadm --readonly} (md's read-only state): nothing is ever written to
     * a member, see {@link Builder#readOnly}.
     */
    public boolean readOnly() {
        return readOnly;
    }

    /** Where this array's changed-block bitmaps live ({@code NAME.cbt}), or null: no tracking. */
    public Path changesDir() {
        return changesDir;
    }

    /** Opens the external bitmap, or null for internal / none. */
    public BitmapStoreOpener externalBitmap() {
        return externalBitmap;
    }

    /** Bitmap daemon period, or -1 for the bitmap's daemon_sleep. */
    public long daemonSleepMillis() {
        return daemonSleepMillis;
    }

    /** Idle time after which the array is marked clean (md's safe_mode_delay). */
    public long safeModeMillis() {
        return safeModeMillis;
    }

    /** Resync speed floor under foreground I/O (KiB/s, md's speed_limit_min). */
    public long minSpeedKiB() {
        return minSpeedKiB;
    }

    /** Resync speed ceiling (KiB/s, md's speed_limit_max; 0 = unlimited). */
    public long maxSpeedKiB() {
        return maxSpeedKiB;
    }

    /** Start the background resync/recovery at once. */
    public boolean autoResync() {
        return autoResync;
    }

    /** Request slots: I/Os in flight at once. */
    public int slots() {
        return slots;
    }

    /** Largest single I/O in bytes. */
    public int maxIoBytes() {
        return maxIoBytes;
    }

    /** One I/O thread per member for writes, instead of the writing thread writing each in turn. */
    public boolean parallelMembers() {
        return memberIo == MemberIoMode.THREADS;
    }

    /** How member requests are performed ({@code --member-io}); default {@link MemberIoMode#AUTO}. */
    public MemberIoMode memberIo() {
        return memberIo;
    }

    /** How long a member request may go unanswered before the member is failed; 0: no limit. */
    /**
     * Remote members whose link broke are reconnected and re-added by the array itself (DRBD's
     * way), catching up from the bitmap; false keeps md's: they stay failed until a manual
     * re-add ({@code --no-reconnect}). Default true.
     */
    public boolean reconnect() {
        return reconnect;
    }

    public long memberTimeoutMillis() {
        return memberTimeoutMillis;
    }

    /**
     * How long the bitmap flusher waits for its page writes: longer than the member time-out,
     * which fails a silent copy first (the page write then counts on the other copies); without
     * a member time-out, as long as it takes.
     */
    long bitmapStoreTimeoutNanos() {
        long ms = memberTimeoutMillis();
        return ms <= 0 ? Long.MAX_VALUE / 4 : (ms + 30_000) * 1_000_000L;
    }

    /** Subscribed before the array starts (so it hears NewArray), or null. */
    public ArrayEventListener listener() {
        return listener;
    }

    /** The deliberate bitmap bug, {@link Mutant#NONE} unless set through the internal SPI. */
    Mutant mutant() {
        return mutant;
    }

    /** A copy with a mutant: reached only through io.bitmirror.raid.internal.ArrayInternals. */
    AssembleOptions withMutant(Mutant m) {
        return new AssembleOptions(toBuilder(), Objects.requireNonNull(m, "mutant"));
    }

    /**
     * Named setters for {@link AssembleOptions}; every setter returns the builder. The defaults
     * are md's: not {@code --run}, members opened with O_DIRECT, no external bitmap, the
     * bitmap's own daemon_sleep, safe mode after 200 ms, resync between 1,000 and 200,000 KiB/s
     * and started at once, 64 slots of 1 MiB, members written in turn by the writing thread.
     * Not thread-safe (one thread builds); the options it builds are immutable.
     */
    public static final class Builder {
        private final List<Path> devices;
        private boolean run;
        /** Null: the default, read-write or read-only as {@link #readOnly} says. */
        private MemberOpener opener;
        private BitmapStoreOpener externalBitmap;
        private long daemonSleepMillis = -1;
        private long safeModeMillis = 200;
        private long minSpeedKiB = 1_000;
        private long maxSpeedKiB = 200_000;
        private boolean autoResync = true;
        private int slots = 64;
        private int maxIoBytes = 1 << 20;
        private MemberIoMode memberIo = MemberIoMode.AUTO;
        private long memberTimeoutMillis = DEFAULT_MEMBER_TIMEOUT_MILLIS;
        private boolean reconnect = true;
        private CacheMode cache = CacheMode.NONE;
        private boolean readOnly;
        private ArrayEventListener listener;
        private Path changesDir;

        private Builder(List<Path> devices) {
            Objects.requireNonNull(devices, "devices");
            for (Path p : devices) {
                Objects.requireNonNull(p, "devices: a null device");
            }
            this.devices = List.copyOf(devices);
        }

        /** As {@code mdadm --run}: start degraded when members are missing or stale; default false. */
        public Builder run(boolean run) {
            this.run = run;
            return this;
        }

        /** How members are opened for I/O (fault injection wraps the default O_DIRECT opener). */
        public Builder opener(MemberOpener opener) {
            this.opener = Objects.requireNonNull(opener, "opener");
            return this;
        }

        /** Opens the external bitmap (the bitmap-file module provides one); default none. */
        public Builder externalBitmap(BitmapStoreOpener externalBitmap) {
            this.externalBitmap = externalBitmap;
            return this;
        }

        /** Bitmap daemon period in ms; -1 (default) uses the bitmap's daemon_sleep. */
        public Builder daemonSleepMillis(long millis) {
            this.daemonSleepMillis = millis;
            return this;
        }

        /** Idle time in ms before the array is marked clean on disk (md's safe_mode_delay); default 200. */
        public Builder safeModeMillis(long millis) {
            this.safeModeMillis = millis;
            return this;
        }

        /** Resync speed floor in KiB/s while clients do I/O (md's speed_limit_min); default 1,000. */
        public Builder minSpeedKiB(long kib) {
            this.minSpeedKiB = kib;
            return this;
        }

        /** Resync speed ceiling in KiB/s, 0 for unlimited (md's speed_limit_max); default 200,000. */
        public Builder maxSpeedKiB(long kib) {
            this.maxSpeedKiB = kib;
            return this;
        }

        /** Start resync/recovery as soon as the array runs; false waits for {@link RaidArray#startResync()}. */
        public Builder autoResync(boolean autoResync) {
            this.autoResync = autoResync;
            return this;
        }

        /** I/Os in flight at once (request slots); default 64. */
        public Builder slots(int slots) {
            this.slots = slots;
            return this;
        }

        /** Largest single I/O in bytes, a multiple of {@link RaidArray#BLOCK_SIZE}; default 1 MiB. */
        public Builder maxIoBytes(int bytes) {
            this.maxIoBytes = bytes;
            return this;
        }

        /**
         * One I/O thread per member for writes; false (default): the writing thread writes each
         * member in turn, faster on fast devices (docs/BENCHMARKS.md).
         */
        public Builder parallelMembers(boolean parallelMembers) {
            this.memberIo = parallelMembers ? MemberIoMode.THREADS : MemberIoMode.AUTO;
            return this;
        }

        /**
         * How member requests are performed (docs/DESIGN.md, "Asynchronous member I/O"); default
         * {@link MemberIoMode#AUTO}: the kernel's asynchronous I/O where it is available.
         */
        public Builder memberIo(MemberIoMode memberIo) {
            this.memberIo = Objects.requireNonNull(memberIo, "memberIo");
            return this;
        }

        /** See {@link AssembleOptions#reconnect()} ({@code --no-reconnect} sets false). */
        public Builder reconnect(boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        /**
         * How long a member write or flush may go unanswered before the member is failed and the
         * array goes on degraded ({@code --member-timeout}); default
         * {@value AssembleOptions#DEFAULT_MEMBER_TIMEOUT_MILLIS} ms, a SCSI command's time-out;
         * 0 waits forever (md's behaviour). Applies where the kernel or an I/O thread performs the
         * request ({@link MemberIoMode#AIO}, {@link MemberIoMode#THREADS}).
         */
        public Builder memberTimeoutMillis(long millis) {
            if (millis < 0) {
                throw new IllegalArgumentException("member timeout must not be negative: " + millis);
            }
            this.memberTimeoutMillis = millis;
            return this;
        }

        /**
         * Whose cache member writes go through (qemu's {@code cache=}); default
         * {@link CacheMode#NONE}, O_DIRECT. {@link CacheMode#WRITEBACK} opens the members
         * without O_DIRECT, so the page cache is their volatile write cache, made durable by
         * fdatasync wherever the array flushes a member (before a bitmap bit clears, on a
         * client flush, for a FUA write: docs/DESIGN.md, "Cache modes"). Block devices are
         * allowed too (their page cache), as qemu does. A writeback member is written by the
         * requesting thread, never through Linux AIO.
         */
        public Builder cache(CacheMode cache) {
            this.cache = Objects.requireNonNull(cache, "cache");
            return this;
        }

        /**
         * Read-only (mdadm {@code --readonly}, md's read-only state); default false. Nothing is
         * written to any member, ever: members are opened O_RDONLY (their lock shared), the
         * superblocks are not updated at assembly or stop (no events bump, no dirty or clean
         * mark), no bitmap page is written, no resync or recovery starts (an array that was not
         * stopped cleanly stays so: its status says {@code resync=PENDING}). Writes and trims
         * throw {@link io.bitmirror.raid.ArrayException}; {@code fail} marks a member faulty in
         * memory only (as md allows); {@code add}, {@code reAdd}, {@code remove} and a check or
         * repair are refused. A custom {@link #opener} is used as given.
         */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /**
         * Subscribed to the array's events before it starts, so the events of the assembly
         * itself (NewArray, DegradedArray, the first RebuildStarted) reach it; null (default)
         * for none. Its subscription ends when the array stops. See {@link RaidArray#subscribe}.
         */
        public Builder listener(ArrayEventListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * The directory of this array's changed-block bitmaps: those found there are loaded at
         * assembly and go on tracking; new ones are created there. Null (default): none.
         */
        public Builder changesDir(Path dir) {
            this.changesDir = dir;
            return this;
        }

        /** The options; {@link IllegalArgumentException} naming the field for a value no array takes. */
        public AssembleOptions build() {
            if (daemonSleepMillis < -1) {
                throw new IllegalArgumentException("daemonSleepMillis " + daemonSleepMillis + ": -1 or more");
            }
            if (safeModeMillis < 0) {
                throw new IllegalArgumentException("safeModeMillis " + safeModeMillis + ": must not be negative");
            }
            if (minSpeedKiB < 0 || maxSpeedKiB < 0) {
                throw new IllegalArgumentException((minSpeedKiB < 0 ? "minSpeedKiB " + minSpeedKiB
                        : "maxSpeedKiB " + maxSpeedKiB) + ": must not be negative");
            }
            if (slots < 1) {
                throw new IllegalArgumentException("slots " + slots + ": at least 1");
            }
            if (maxIoBytes < RaidArray.BLOCK_SIZE || maxIoBytes % RaidArray.BLOCK_SIZE != 0) {
                throw new IllegalArgumentException("maxIoBytes " + maxIoBytes + ": a positive multiple of "
                        + RaidArray.BLOCK_SIZE);
            }
            return new AssembleOptions(this, Mutant.NONE);
        }
    }
}
