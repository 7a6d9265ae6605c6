package io.bitmirror.raid.create;

import io.bitmirror.raid.ArrayException;
import static io.bitmirror.raid.ArrayException.require;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.raid.member.CacheMode;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.remote.RemoteMembers;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;
import io.bitmirror.raid.device.DeviceInfo;
import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.MdTime;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;
import io.bitmirror.raid.superblock.SuperblockVersion;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates a RAID-1 array in two steps: {@link #plan} validates everything and writes nothing;
 * {@link Plan#write} writes the members. A request that fails validation leaves every device
 * untouched (B1).
 *
 * <p>Errors come only as {@link ArrayException} (one line, naming the device or the field).
 * Thread safety: the methods are static and keep no state, and a {@link Plan} is immutable;
 * two threads may create two arrays at once, never on the same devices (docs/API.md).
 */
public final class ArrayCreator {
    private ArrayCreator() {
    }

    /** Smallest data area a member may have: 1 MiB. */
    public static final long MIN_DATA_SECTORS = 2048;
    /** Data sizes are whole 4 KiB blocks. */
    public static final long SIZE_ROUND = 8;
    /** daemon_sleep of a new bitmap, seconds (mdadm's default). */
    public static final int DEFAULT_DAEMON_SLEEP = 5;
    /** Most chunks mdadm lets an external bitmap have by default (2^21). */
    public static final long MAX_DEFAULT_FILE_CHUNKS = 1L << 21;

    /** A validated request, ready to write. */
    public static final class Plan {
        private final CreateSpec spec;
        private final List<DeviceInfo> devices;
        private final List<MemberLayout> layouts;
        private final long sizeSectors;
        private final int bitmapChunk;
        private final byte[] uuid;
        private final String storedName;

        Plan(CreateSpec spec, List<DeviceInfo> devices, List<MemberLayout> layouts, long sizeSectors,
                int bitmapChunk, byte[] uuid, String storedName) {
            this.spec = spec;
            this.devices = devices;
            this.layouts = layouts;
            this.sizeSectors = sizeSectors;
            this.bitmapChunk = bitmapChunk;
            this.uuid = uuid;
            this.storedName = storedName;
        }

        public byte[] uuid() {
            return uuid.clone();
        }

        /** Used sectors per member: the array size. */
        public long sizeSectors() {
            return sizeSectors;
        }

        /** Bitmap chunk in bytes (0 without a bitmap). */
        public int bitmapChunk() {
            return bitmapChunk;
        }

        public String storedName() {
            return storedName;
        }

        public List<MemberLayout> layouts() {
            return layouts;
        }

        public CreateSpec spec() {
            return spec;
        }

        /** Writes every member: bitmap first, superblock last, each made durable. */
        public void write() throws ArrayException {
            for (int i = 0; i < devices.size(); i++) {
                try {
                    writeMember(i);
                } catch (ArrayException e) {
                    throw e;
                } catch (IOException e) {
                    throw failed(devices.get(i).path() + ": writing the member failed", e);
                }
            }
        }

        private void writeMember(int slot) throws IOException {
            DeviceInfo dev = devices.get(slot);
            MemberLayout lay = layouts.get(slot);
            byte[] deviceUuid = new byte[16];
            RANDOM.nextBytes(deviceUuid);
            // The file or device with O_DIRECT, or a connection to a remote member's server.
            try (MemberDevice ch = RemoteMembers.open(dev.path(), false, CacheMode.NONE)) {
                ByteBuffer zero = DirectIo.allocate(SuperblockLayout.BLOCK);
                // Remove a v1.1 superblock (and anything else in the first 4 KiB).
                ch.write(0, zero, false);
                long v10 = SuperblockVersion.V1_0.superOffset(dev.sectors());
                if (v10 >= 0 && v10 >= lay.dataOffset() + sizeSectors) {
                    // Only outside the data area: data may already be in sync (--assume-clean).
                    zero.clear();
                    ch.write(v10 * 512, zero, false);
                }
                if (spec.bitmap() == BitmapMode.INTERNAL) {
                    ByteBuffer bm = DirectIo.allocate(lay.bitmapRoom() * 512);
                    fillBitmap(bm, lay.bitmapRoom());
                    ch.write((lay.superOffset() + lay.bitmapOffset()) * 512, bm, false);
                }
                // The bitmap must be durable before the superblock that points at it exists.
                ch.flush();
                ByteBuffer block = DirectIo.allocate(SuperblockLayout.BLOCK);
                fillSuperblock(new Superblock().wrap(block, 0), slot, lay, deviceUuid);
                ch.write(lay.superOffset() * 512, block, false);
                ch.flush();
            }
        }

        /** Fills a bitmap image (superblock + bits) of {@code roomSectors} sectors. */
        public void fillBitmap(ByteBuffer bm, int roomSectors) {
            BitmapSuperblock bsb = new BitmapSuperblock().wrap(bm, 0);
            bsb.init(uuid, sizeSectors, bitmapChunk, DEFAULT_DAEMON_SLEEP, spec.writeBehind(), roomSectors);
            // A new array's members are not known to match: every chunk starts dirty, so the
            // first assembly resyncs everything, as md does. --assume-clean says they match.
            BitmapBits.fill(bm, BitmapSuperblockLayout.LENGTH, bsb.chunks(), !spec.assumeClean());
        }

        private void fillSuperblock(Superblock sb, int slot, MemberLayout lay, byte[] deviceUuid) {
            long now = MdTime.encode(spec.now());
            sb.clear();
            sb.magic(SuperblockLayout.MAGIC).majorVersion(1)
                    .featureMap(spec.bitmap() == BitmapMode.INTERNAL ? FeatureMap.BITMAP_OFFSET : 0)
                    .setUuid(uuid).setName(storedName).ctime(now).level(1).layout(0).size(sizeSectors)
                    .chunksize(0).raidDisks(devices.size()).bitmapOffset(lay.bitmapOffset())
                    .dataOffset(lay.dataOffset()).dataSize(lay.dataSize()).superOffset(lay.superOffset())
                    .recoveryOffset(0).devNumber(slot).deviceUuid(deviceUuid).utime(now).events(0)
                    .devflags(spec.writeMostly(slot) ? SuperblockLayout.DEVFLAG_WRITE_MOSTLY : 0)
                    .resyncOffset(spec.assumeClean() ? SuperblockLayout.RESYNC_CLEAN : 0)
                    .maxDev(SuperblockLayout.MAX_DEV_DEFAULT);
            for (int i = 0; i < SuperblockLayout.MAX_DEV_DEFAULT; i++) {
                sb.devRole(i, i < devices.size() ? i : SuperblockLayout.ROLE_SPARE);
            }
            sb.updateChecksum();
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Checks what the request says by itself, without looking at any device: level, counts,
     * bitmap chunk, name. A caller can report these as usage errors; {@link #plan} checks them too.
     */
    public static void checkRequest(CreateSpec spec) throws ArrayException {
        require(spec.level() == 1, "level " + spec.level() + ": bitmirror builds RAID-1 only (--level=1)");
        require(spec.raidDevices() >= 2, "raid-devices " + spec.raidDevices() + ": a mirror needs at least 2");
        require(spec.raidDevices() <= 256, "raid-devices " + spec.raidDevices() + ": at most 256 are supported");
        require(spec.devices().size() == spec.raidDevices(), spec.devices().size() + " devices given but --raid-devices="
                + spec.raidDevices());
        long given = spec.bitmapChunkBytes();
        require(given <= 0 || Long.bitCount(given) == 1 && given >= 4096 && given <= (1L << 30), "bitmap-chunk "
                + given / 1024 + "K: must be a power of two from 4K to 1G");
        storedName(spec.name(), spec.homehost());
        require(spec.writeBehind() >= 0 && spec.writeBehind() <= BitmapSuperblockLayout.MAX_WRITE_BEHIND,
                "write-behind " + spec.writeBehind() + ": must be between 0 and " + BitmapSuperblockLayout.MAX_WRITE_BEHIND);
        // As md: writes go behind only on write-mostly members, and only a bitmap keeps their
        // chunks dirty until they land.
        require(spec.writeBehind() == 0 || spec.bitmap() != BitmapMode.NONE,
                "write-behind needs a write-intent bitmap (not --bitmap=none)");
        require(spec.writeBehind() == 0 || spec.anyWriteMostly(),
                "write-behind needs at least one --write-mostly member");
        require(spec.writeMostlyCount() == 0 || spec.lastWriteMostly() < spec.devices().size(),
                "write-mostly member " + spec.lastWriteMostly() + ": only " + spec.devices().size() + " devices given");
    }

    /** Validates {@code spec} against the devices; writes nothing. */
    public static Plan plan(CreateSpec spec) throws ArrayException {
        try {
            return planChecked(spec);
        } catch (ArrayException e) {
            throw e;
        } catch (IOException e) {
            // Probing a device failed (permissions, a device gone): one line naming it.
            throw failed("create: examining the devices failed", e);
        }
    }

    /** An I/O error as the API's one exception: what was being done, then the cause's own words. */
    private static ArrayException failed(String what, IOException e) {
        String why = e instanceof java.nio.file.AccessDeniedException ? e.getMessage() + ": permission denied"
                : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return new ArrayException(what + ": " + why, e);
    }

    private static Plan planChecked(CreateSpec spec) throws IOException {
        checkRequest(spec);
        List<DeviceInfo> devs = new ArrayList<>();
        for (Path p : spec.devices()) {
            DeviceInfo d;
            try {
                d = RemoteMembers.probe(p);
            } catch (NoSuchFileException e) {
                throw new io.bitmirror.raid.ArrayException(p + ": no such file or device");
            }
            for (DeviceInfo other : devs) {
                require(!d.sameAs(other), p + ": the same device as " + other.path() + " (given twice)");
            }
            devs.add(d);
        }
        boolean internal = spec.bitmap() == BitmapMode.INTERNAL;
        List<MemberLayout> layouts = new ArrayList<>();
        long minData = Long.MAX_VALUE;
        long minRoom = Long.MAX_VALUE;
        for (DeviceInfo d : devs) {
            MemberLayout lay = MemberLayout.forDevice(d.sectors(), internal);
            require(lay.dataSize() >= MIN_DATA_SECTORS, d.path() + ": " + d.sizeBytes()
                    + " bytes is too small: a member needs at least " + (lay.dataOffset() + MIN_DATA_SECTORS) * 512
                    + " bytes");
            require(!internal || lay.bitmapRoom() > 0, d.path() + ": too small for an internal bitmap");
            layouts.add(lay);
            minData = Math.min(minData, lay.dataSize());
            minRoom = Math.min(minRoom, lay.bitmapRoom());
        }
        long size;
        if (spec.sizeSectors() > 0) {
            require(spec.sizeSectors() <= minData, "size " + spec.sizeSectors() / 2 + "K: larger than the smallest member's "
                    + minData / 2 + "K of data space");
            size = spec.sizeSectors() / SIZE_ROUND * SIZE_ROUND;
            require(size >= MIN_DATA_SECTORS, "size " + spec.sizeSectors() / 2 + "K: at least "
                    + MIN_DATA_SECTORS / 2 + "K is needed");
        } else {
            size = minData / SIZE_ROUND * SIZE_ROUND;
        }
        int chunk = 0;
        if (spec.bitmap() != BitmapMode.NONE) {
            chunk = chooseChunk(spec, size, internal ? minRoom * 512 : -1);
        }
        if (spec.bitmap() == BitmapMode.FILE) {
            Path f = spec.bitmapFile();
            require(f != null, "bitmap file: no path given");
            Path parent = f.toAbsolutePath().getParent();
            require(parent != null && Files.isDirectory(parent), "bitmap file " + f + ": directory "
                    + parent + " does not exist");
            require(!Files.exists(f) || spec.force(), "bitmap file " + f + ": already exists; use --force to overwrite it");
            for (DeviceInfo d : devs) {
                require(!Files.exists(f) || RemoteMembers.isRemote(d.path()) || !Files.isSameFile(f, d.path()),
                        "bitmap file " + f
                        + ": is one of the members");
            }
        }
        if (!spec.force()) {
            for (DeviceInfo d : devs) {
                String sig = RemoteMembers.signature(d);
                require(sig == null, d.path() + ": holds " + sig + "; use --force to overwrite it");
            }
        }
        String stored = storedName(spec.name(), spec.homehost());
        byte[] uuid = new byte[16];
        RANDOM.nextBytes(uuid);
        return new Plan(spec, List.copyOf(devs), List.copyOf(layouts), size, chunk, uuid, stored);
    }

    private static int chooseChunk(CreateSpec spec, long size, long roomBytes) throws ArrayException {
        long given = spec.bitmapChunkBytes();
        if (given > 0) {
            long need = BitmapGeometry.totalBytes(BitmapGeometry.chunks(size, (int) given));
            require(roomBytes < 0 || need <= roomBytes, "bitmap-chunk " + given / 1024 + "K: the bitmap would need "
                    + need + " bytes but members have room for " + roomBytes + "; choose a larger chunk");
            return (int) given;
        }
        if (roomBytes >= 0) {
            return BitmapGeometry.defaultChunk(size, roomBytes);
        }
        return defaultFileChunk(size);
    }

    /** mdadm's default chunk for a bitmap file: from 64 MiB up until at most 2^21 chunks. */
    public static int defaultFileChunk(long size) {
        long chunk = 64L << 20;
        while (BitmapGeometry.chunks(size, (int) Math.min(chunk, 1L << 30)) > MAX_DEFAULT_FILE_CHUNKS
                && chunk < (1L << 30)) {
            chunk <<= 1;
        }
        return (int) chunk;
    }

    /**
     * "homehost:name" when it fits in md's 32-byte field, else the name alone (as mdadm stores
     * it). The name becomes a socket file name and part of an NBD URI, so it is limited to
     * characters safe in both: letters, digits, '.', '_' and '-' (and one ':' after a host).
     */
    static String storedName(String name, String homehost) throws ArrayException {
        require(name != null && !name.isEmpty(), "name: must not be empty");
        require(name.getBytes(StandardCharsets.UTF_8).length <= 32, "name " + name + ": longer than 32 bytes");
        int colon = name.indexOf(':');
        String shortName = name.substring(colon + 1);
        require(safe(name.substring(0, Math.max(colon, 0))) && safe(shortName) && !shortName.isEmpty()
                && !shortName.equals(".") && !shortName.equals(".."), "name '" + name
                + "': use letters, digits, '.', '_' and '-' only (it names the socket and the NBD export)");
        if (homehost != null && !homehost.isEmpty() && name.indexOf(':') < 0) {
            String full = homehost + ":" + name;
            if (full.getBytes(StandardCharsets.UTF_8).length <= 32) {
                return full;
            }
        }
        return name;
    }

    private static boolean safe(String part) {
        return part.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-'));
    }
}
