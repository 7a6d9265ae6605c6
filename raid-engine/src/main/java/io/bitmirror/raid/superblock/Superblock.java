package io.bitmirror.raid.superblock;

import static io.bitmirror.raid.superblock.SuperblockLayout.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Flyweight over a v1.x superblock in a buffer: every field read and written in place, nothing
 * copied. Offsets come from {@link SuperblockLayout}. Getters return the raw on-disk value
 * (u32 fields as int, u64 as long); use the unsigned helpers of {@link Integer} and
 * {@link Long} to print them.
 */
public final class Superblock {
    private ByteBuffer buffer;
    private int offset;

    /** Points at {@code buffer[offset, offset + 4096)}; sets the buffer little-endian. */
    public Superblock wrap(ByteBuffer buffer, int offset) {
        if (offset < 0 || buffer.capacity() - offset < BLOCK) {
            throw new IndexOutOfBoundsException("superblock needs " + BLOCK + " bytes at " + offset);
        }
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
        this.offset = offset;
        return this;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int magic() {
        return buffer.getInt(offset + MAGIC_OFFSET);
    }

    public Superblock magic(int v) {
        buffer.putInt(offset + MAGIC_OFFSET, v);
        return this;
    }

    public int majorVersion() {
        return buffer.getInt(offset + MAJOR_VERSION_OFFSET);
    }

    public Superblock majorVersion(int v) {
        buffer.putInt(offset + MAJOR_VERSION_OFFSET, v);
        return this;
    }

    public int featureMap() {
        return buffer.getInt(offset + FEATURE_MAP_OFFSET);
    }

    public Superblock featureMap(int v) {
        buffer.putInt(offset + FEATURE_MAP_OFFSET, v);
        return this;
    }

    public int pad0() {
        return buffer.getInt(offset + PAD0_OFFSET);
    }

    public Superblock pad0(int v) {
        buffer.putInt(offset + PAD0_OFFSET, v);
        return this;
    }

    public long ctime() {
        return buffer.getLong(offset + CTIME_OFFSET);
    }

    public Superblock ctime(long v) {
        buffer.putLong(offset + CTIME_OFFSET, v);
        return this;
    }

    public int level() {
        return buffer.getInt(offset + LEVEL_OFFSET);
    }

    public Superblock level(int v) {
        buffer.putInt(offset + LEVEL_OFFSET, v);
        return this;
    }

    public int layout() {
        return buffer.getInt(offset + LAYOUT_OFFSET);
    }

    public Superblock layout(int v) {
        buffer.putInt(offset + LAYOUT_OFFSET, v);
        return this;
    }

    public long size() {
        return buffer.getLong(offset + SIZE_OFFSET);
    }

    public Superblock size(long v) {
        buffer.putLong(offset + SIZE_OFFSET, v);
        return this;
    }

    public int chunksize() {
        return buffer.getInt(offset + CHUNKSIZE_OFFSET);
    }

    public Superblock chunksize(int v) {
        buffer.putInt(offset + CHUNKSIZE_OFFSET, v);
        return this;
    }

    public int raidDisks() {
        return buffer.getInt(offset + RAID_DISKS_OFFSET);
    }

    public Superblock raidDisks(int v) {
        buffer.putInt(offset + RAID_DISKS_OFFSET, v);
        return this;
    }

    public int bitmapOffset() {
        return buffer.getInt(offset + BITMAP_OFFSET_OFFSET);
    }

    public Superblock bitmapOffset(int v) {
        buffer.putInt(offset + BITMAP_OFFSET_OFFSET, v);
        return this;
    }

    public int newLevel() {
        return buffer.getInt(offset + NEW_LEVEL_OFFSET);
    }

    public Superblock newLevel(int v) {
        buffer.putInt(offset + NEW_LEVEL_OFFSET, v);
        return this;
    }

    public long reshapePosition() {
        return buffer.getLong(offset + RESHAPE_POSITION_OFFSET);
    }

    public Superblock reshapePosition(long v) {
        buffer.putLong(offset + RESHAPE_POSITION_OFFSET, v);
        return this;
    }

    public int deltaDisks() {
        return buffer.getInt(offset + DELTA_DISKS_OFFSET);
    }

    public Superblock deltaDisks(int v) {
        buffer.putInt(offset + DELTA_DISKS_OFFSET, v);
        return this;
    }

    public int newLayout() {
        return buffer.getInt(offset + NEW_LAYOUT_OFFSET);
    }

    public Superblock newLayout(int v) {
        buffer.putInt(offset + NEW_LAYOUT_OFFSET, v);
        return this;
    }

    public int newChunk() {
        return buffer.getInt(offset + NEW_CHUNK_OFFSET);
    }

    public Superblock newChunk(int v) {
        buffer.putInt(offset + NEW_CHUNK_OFFSET, v);
        return this;
    }

    public int newOffset() {
        return buffer.getInt(offset + NEW_OFFSET_OFFSET);
    }

    public Superblock newOffset(int v) {
        buffer.putInt(offset + NEW_OFFSET_OFFSET, v);
        return this;
    }

    public long dataOffset() {
        return buffer.getLong(offset + DATA_OFFSET_OFFSET);
    }

    public Superblock dataOffset(long v) {
        buffer.putLong(offset + DATA_OFFSET_OFFSET, v);
        return this;
    }

    public long dataSize() {
        return buffer.getLong(offset + DATA_SIZE_OFFSET);
    }

    public Superblock dataSize(long v) {
        buffer.putLong(offset + DATA_SIZE_OFFSET, v);
        return this;
    }

    public long superOffset() {
        return buffer.getLong(offset + SUPER_OFFSET_OFFSET);
    }

    public Superblock superOffset(long v) {
        buffer.putLong(offset + SUPER_OFFSET_OFFSET, v);
        return this;
    }

    public long recoveryOffset() {
        return buffer.getLong(offset + RECOVERY_OFFSET_OFFSET);
    }

    public Superblock recoveryOffset(long v) {
        buffer.putLong(offset + RECOVERY_OFFSET_OFFSET, v);
        return this;
    }

    public int devNumber() {
        return buffer.getInt(offset + DEV_NUMBER_OFFSET);
    }

    public Superblock devNumber(int v) {
        buffer.putInt(offset + DEV_NUMBER_OFFSET, v);
        return this;
    }

    public int cntCorrectedRead() {
        return buffer.getInt(offset + CNT_CORRECTED_READ_OFFSET);
    }

    public Superblock cntCorrectedRead(int v) {
        buffer.putInt(offset + CNT_CORRECTED_READ_OFFSET, v);
        return this;
    }

    public int devflags() {
        return buffer.get(offset + DEVFLAGS_OFFSET) & 0xff;
    }

    public Superblock devflags(int v) {
        buffer.put(offset + DEVFLAGS_OFFSET, (byte) v);
        return this;
    }

    public int bblogShift() {
        return buffer.get(offset + BBLOG_SHIFT_OFFSET) & 0xff;
    }

    public Superblock bblogShift(int v) {
        buffer.put(offset + BBLOG_SHIFT_OFFSET, (byte) v);
        return this;
    }

    public int bblogSize() {
        return buffer.getShort(offset + BBLOG_SIZE_OFFSET) & 0xffff;
    }

    public Superblock bblogSize(int v) {
        buffer.putShort(offset + BBLOG_SIZE_OFFSET, (short) v);
        return this;
    }

    public int bblogOffset() {
        return buffer.getInt(offset + BBLOG_OFFSET_OFFSET);
    }

    public Superblock bblogOffset(int v) {
        buffer.putInt(offset + BBLOG_OFFSET_OFFSET, v);
        return this;
    }

    public long utime() {
        return buffer.getLong(offset + UTIME_OFFSET);
    }

    public Superblock utime(long v) {
        buffer.putLong(offset + UTIME_OFFSET, v);
        return this;
    }

    public long events() {
        return buffer.getLong(offset + EVENTS_OFFSET);
    }

    public Superblock events(long v) {
        buffer.putLong(offset + EVENTS_OFFSET, v);
        return this;
    }

    public long resyncOffset() {
        return buffer.getLong(offset + RESYNC_OFFSET_OFFSET);
    }

    public Superblock resyncOffset(long v) {
        buffer.putLong(offset + RESYNC_OFFSET_OFFSET, v);
        return this;
    }

    public int sbCsum() {
        return buffer.getInt(offset + SB_CSUM_OFFSET);
    }

    public Superblock sbCsum(int v) {
        buffer.putInt(offset + SB_CSUM_OFFSET, v);
        return this;
    }

    public int maxDev() {
        return buffer.getInt(offset + MAX_DEV_OFFSET);
    }

    public Superblock maxDev(int v) {
        buffer.putInt(offset + MAX_DEV_OFFSET, v);
        return this;
    }

    public void getSetUuid(byte[] dst) {
        buffer.get(offset + SET_UUID_OFFSET, dst, 0, 16);
    }

    public byte[] setUuid() {
        byte[] u = new byte[16];
        getSetUuid(u);
        return u;
    }

    public Superblock setUuid(byte[] src) {
        buffer.put(offset + SET_UUID_OFFSET, src, 0, 16);
        return this;
    }

    public byte[] deviceUuid() {
        byte[] u = new byte[16];
        buffer.get(offset + DEVICE_UUID_OFFSET, u, 0, 16);
        return u;
    }

    public Superblock deviceUuid(byte[] src) {
        buffer.put(offset + DEVICE_UUID_OFFSET, src, 0, 16);
        return this;
    }

    /** The raw 32 name bytes. */
    public byte[] setNameBytes() {
        byte[] n = new byte[SET_NAME_LENGTH];
        buffer.get(offset + SET_NAME_OFFSET, n, 0, SET_NAME_LENGTH);
        return n;
    }

    /** The name up to the first NUL, as mdadm prints it with {@code %.32s}. */
    public String setName() {
        byte[] n = setNameBytes();
        int len = 0;
        while (len < n.length && n[len] != 0) {
            len++;
        }
        return new String(n, 0, len, StandardCharsets.ISO_8859_1);
    }

    /** Stores {@code name} NUL padded; must fit in 32 bytes. */
    public Superblock setName(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length > SET_NAME_LENGTH) {
            throw new IllegalArgumentException("name longer than 32 bytes: " + name);
        }
        for (int i = 0; i < SET_NAME_LENGTH; i++) {
            buffer.put(offset + SET_NAME_OFFSET + i, i < b.length ? b[i] : 0);
        }
        return this;
    }

    /** dev_roles entry {@code i} (u16). */
    public int devRole(int i) {
        return buffer.getShort(offset + DEV_ROLES_OFFSET + 2 * i) & 0xffff;
    }

    public Superblock devRole(int i, int role) {
        buffer.putShort(offset + DEV_ROLES_OFFSET + 2 * i, (short) role);
        return this;
    }

    /** This device's own role, or {@link SuperblockLayout#ROLE_FAULTY} when dev_number is out of range. */
    public int role() {
        int n = devNumber();
        int max = maxDev();
        if (n < 0 || max < 0 || n >= max || max > MAX_DEV_LIMIT) {
            return ROLE_FAULTY;
        }
        return devRole(n);
    }

    public boolean hasFeature(int bit) {
        return (featureMap() & bit) != 0;
    }

    public boolean isClean() {
        return resyncOffset() == RESYNC_CLEAN;
    }

    /** Computes the checksum over the current bytes (sb_csum taken as zero). */
    public int computeChecksum() {
        return SuperblockChecksum.compute(buffer, offset, maxDev());
    }

    /** Stores the checksum of the current bytes; call last, after every other field. */
    public Superblock updateChecksum() {
        return sbCsum(computeChecksum());
    }

    /**
     * Stores the checksum when max_dev is within the kernel's limit (so the checksummed length
     * fits the block); leaves it alone otherwise. For tools that repair after editing fields.
     */
    public Superblock updateChecksumIfPlausible() {
        int max = maxDev();
        return max >= 0 && max <= MAX_DEV_LIMIT ? updateChecksum() : this;
    }

    /** Zeroes the whole 4 KiB block. */
    public Superblock clear() {
        for (int i = 0; i < BLOCK; i += 8) {
            buffer.putLong(offset + i, 0L);
        }
        return this;
    }
}
