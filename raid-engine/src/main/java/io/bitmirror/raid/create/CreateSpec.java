package io.bitmirror.raid.create;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What {@code create} is asked for: the members, the bitmap and the name. Built only through
 * {@link #builder()}; the defaults are {@code mdadm --create}'s for RAID-1 with metadata 1.2.
 *
 * <pre>{@code
 * CreateSpec spec = CreateSpec.builder().devices(a, b).bitmap(BitmapMode.INTERNAL).assumeClean(true).build();
 * ArrayCreator.plan(spec).write();
 * }</pre>
 *
 * <p>Immutable and safe to share between threads. {@link Builder#build()} rejects only what no
 * caller can mean (a null, a negative size, a bitmap file with a mode that has none) with an
 * {@link IllegalArgumentException} or {@link NullPointerException}: those are programming
 * errors. Whether the request makes sense for RAID-1 (level, member count, chunk size, name) is
 * {@link ArrayCreator#checkRequest}'s job and comes as an {@link io.bitmirror.raid.ArrayException}
 * with a one-line message a program can show its user, because those values usually come from
 * the user (see docs/API.md).
 */
public final class CreateSpec {
    private final int level;
    private final int raidDevices;
    private final BitmapMode bitmap;
    private final Path bitmapFile;
    private final long bitmapChunkBytes;
    private final String name;
    private final String homehost;
    private final long sizeSectors;
    private final boolean assumeClean;
    private final boolean force;
    private final List<Path> devices;
    private final Instant now;
    /** Positions of the write-mostly members (bit i: devices().get(i)); at most 256 members, so a set. */
    private final java.util.BitSet writeMostly;
    private final int writeBehind;

    private CreateSpec(Builder b) {
        this.level = b.level;
        this.raidDevices = b.raidDevices < 0 ? b.devices.size() : b.raidDevices;
        this.bitmap = b.bitmap;
        this.bitmapFile = b.bitmapFile;
        this.bitmapChunkBytes = b.bitmapChunkBytes;
        this.name = b.name;
        this.homehost = b.homehost;
        this.sizeSectors = b.sizeSectors;
        this.assumeClean = b.assumeClean;
        this.force = b.force;
        this.devices = b.devices;
        this.now = b.now != null ? b.now : Instant.now();
        this.writeMostly = (java.util.BitSet) b.writeMostly.clone();
        this.writeBehind = b.writeBehind;
    }

    /** A builder with mdadm's defaults: level 1, internal bitmap, name "bitmirror", no homehost. */
    public static Builder builder() {
        return new Builder();
    }

    /** RAID level (only 1 is accepted by {@link ArrayCreator}). */
    public int level() {
        return level;
    }

    /** Number of active members; the number of devices unless set. */
    public int raidDevices() {
        return raidDevices;
    }

    /** Where the bitmap lives. */
    public BitmapMode bitmap() {
        return bitmap;
    }

    /** The external bitmap file for {@link BitmapMode#FILE}, else null. */
    public Path bitmapFile() {
        return bitmapFile;
    }

    /** Bitmap chunk in bytes, 0 for mdadm's default (64 MiB, grown until the bitmap fits). */
    public long bitmapChunkBytes() {
        return bitmapChunkBytes;
    }

    /** Array name (stored as "homehost:name"). */
    public String name() {
        return name;
    }

    /** Host part of the stored name, or null to store the name alone. */
    public String homehost() {
        return homehost;
    }

    /** Used sectors per member, 0 for the largest that fits every member. */
    public long sizeSectors() {
        return sizeSectors;
    }

    /** Members are known identical: bitmap clear and superblock clean, no initial resync. */
    public boolean assumeClean() {
        return assumeClean;
    }

    /** Overwrite existing md superblocks and filesystem signatures. */
    public boolean force() {
        return force;
    }

    /** The members, in slot order (unmodifiable). */
    public List<Path> devices() {
        return devices;
    }

    /** Creation time written to the superblocks. */
    public Instant now() {
        return now;
    }

    /** True when member {@code i} is write-mostly (mdadm's {@code -W}): reads avoid it. */
    public boolean writeMostly(int i) {
        return writeMostly.get(i);
    }

    /** True when some member is write-mostly. */
    public boolean anyWriteMostly() {
        return !writeMostly.isEmpty();
    }

    /** How many members are write-mostly. */
    public int writeMostlyCount() {
        return writeMostly.cardinality();
    }

    /** The highest write-mostly member's index, or -1. */
    public int lastWriteMostly() {
        return writeMostly.length() - 1;
    }

    /**
     * Write-behind limit stored in the bitmap (mdadm's {@code --write-behind}): writes a
     * write-mostly member may still be doing after the others acknowledged; 0 for none.
     */
    public int writeBehind() {
        return writeBehind;
    }

    @Override
    public String toString() {
        return "CreateSpec[level=" + level + ", raidDevices=" + raidDevices + ", bitmap=" + bitmap
                + (bitmapFile != null ? " " + bitmapFile : "") + ", bitmapChunkBytes=" + bitmapChunkBytes + ", name="
                + name + ", homehost=" + homehost + ", sizeSectors=" + sizeSectors + ", assumeClean=" + assumeClean
                + ", force=" + force + ", devices=" + devices + ", writeMostly=" + writeMostly + ", writeBehind="
                + writeBehind + "]";
    }

    /**
     * Named setters for a {@link CreateSpec}; every setter returns the builder. Not thread-safe
     * (one thread builds); the spec it builds is immutable.
     */
    public static final class Builder {
        private int level = 1;
        private int raidDevices = -1;
        private BitmapMode bitmap = BitmapMode.INTERNAL;
        private Path bitmapFile;
        private long bitmapChunkBytes;
        private String name = "bitmirror";
        private String homehost;
        private long sizeSectors;
        private boolean assumeClean;
        private boolean force;
        private List<Path> devices;
        private Instant now;
        private final java.util.BitSet writeMostly = new java.util.BitSet();
        private int writeBehind;

        private Builder() {
        }

        /** RAID level, as {@code --level}; default 1 (the only one accepted). */
        public Builder level(int level) {
            this.level = level;
            return this;
        }

        /** Active members, as {@code --raid-devices}; default: the number of devices. */
        public Builder raidDevices(int raidDevices) {
            this.raidDevices = raidDevices;
            return this;
        }

        /** The members in slot order (required). */
        public Builder devices(Path... devices) {
            return devices(Arrays.asList(Objects.requireNonNull(devices, "devices")));
        }

        /** The members in slot order (required); copied. */
        public Builder devices(List<Path> devices) {
            Objects.requireNonNull(devices, "devices");
            for (Path p : devices) {
                Objects.requireNonNull(p, "devices: a null device");
            }
            this.devices = List.copyOf(devices);
            return this;
        }

        /** Internal (default) or none; for a file use {@link #bitmapFile(Path)}. */
        public Builder bitmap(BitmapMode bitmap) {
            this.bitmap = Objects.requireNonNull(bitmap, "bitmap");
            return this;
        }

        /** An external bitmap file: sets the mode to {@link BitmapMode#FILE}. */
        public Builder bitmapFile(Path file) {
            this.bitmapFile = Objects.requireNonNull(file, "bitmapFile");
            this.bitmap = BitmapMode.FILE;
            return this;
        }

        /** Bytes of data per bitmap bit, as {@code --bitmap-chunk}; 0 (default) lets create choose. */
        public Builder bitmapChunkBytes(long bytes) {
            this.bitmapChunkBytes = bytes;
            return this;
        }

        /** Array name, as {@code --name}; default "bitmirror". */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Host part of the stored name ("host:name"); null (default) stores the name alone. */
        public Builder homehost(String homehost) {
            this.homehost = homehost;
            return this;
        }

        /** Sectors to use per member, as {@code --size}; 0 (default) for the most that fits. */
        public Builder sizeSectors(long sectors) {
            this.sizeSectors = sectors;
            return this;
        }

        /** As {@code --assume-clean}: the members already hold identical data; default false. */
        public Builder assumeClean(boolean assumeClean) {
            this.assumeClean = assumeClean;
            return this;
        }

        /** As {@code --force}: overwrite md superblocks and filesystem signatures; default false. */
        public Builder force(boolean force) {
            this.force = force;
            return this;
        }

        /** Marks member {@code i} (slot order) write-mostly, as mdadm's {@code -W} before it. */
        public Builder writeMostly(int i) {
            if (i < 0) {
                throw new IllegalArgumentException("writeMostly: negative member index " + i);
            }
            writeMostly.set(i);
            return this;
        }

        /** As {@code --write-behind=N}; 0 (default) for none. Range checked by {@link ArrayCreator#checkRequest}. */
        public Builder writeBehind(int n) {
            this.writeBehind = n;
            return this;
        }

        /** Creation time for the superblocks; default: when {@link #build()} runs. */
        public Builder now(Instant now) {
            this.now = Objects.requireNonNull(now, "now");
            return this;
        }

        /**
         * The spec. Throws {@link IllegalArgumentException} (naming the field) for a programming
         * error: no devices set, a negative size or chunk, a FILE mode without a file or a file with
         * another mode. RAID-1 sense is checked by {@link ArrayCreator#checkRequest}.
         */
        public CreateSpec build() {
            if (devices == null) {
                throw new IllegalArgumentException("devices: not set");
            }
            if (sizeSectors < 0) {
                throw new IllegalArgumentException("sizeSectors " + sizeSectors + ": must not be negative");
            }
            if (bitmapChunkBytes < 0) {
                throw new IllegalArgumentException("bitmapChunkBytes " + bitmapChunkBytes + ": must not be negative");
            }
            if ((bitmap == BitmapMode.FILE) != (bitmapFile != null)) {
                throw new IllegalArgumentException("bitmapFile: " + (bitmapFile == null ? "BitmapMode.FILE needs a file"
                        : "a file makes no sense with BitmapMode." + bitmap));
            }
            return new CreateSpec(this);
        }
    }
}
