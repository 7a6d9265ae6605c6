package io.bitmirror.raid.superblock;

/**
 * Descriptor of {@code struct mdp_superblock_1}: every offset named once. Little-endian.
 * The fixed part is {@link #FIXED_LENGTH} bytes, followed by {@code max_dev} u16 dev_roles.
 */
public final class SuperblockLayout {
    private SuperblockLayout() {
    }

    /** u32 {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 0;
    /** u32 major version, always 1. */
    public static final int MAJOR_VERSION_OFFSET = 4;
    /** u32 feature bits, see {@link FeatureMap}. */
    public static final int FEATURE_MAP_OFFSET = 8;
    /** u32 padding, must be zero. */
    public static final int PAD0_OFFSET = 12;
    /** 16 bytes array uuid. */
    public static final int SET_UUID_OFFSET = 16;
    /** 32 bytes array name, NUL padded ("host:name"). */
    public static final int SET_NAME_OFFSET = 32;
    /** Length of {@link #SET_NAME_OFFSET}. */
    public static final int SET_NAME_LENGTH = 32;
    /** u64 creation time, see {@link MdTime}. */
    public static final int CTIME_OFFSET = 64;
    /** u32 RAID level, 1 for a mirror. */
    public static final int LEVEL_OFFSET = 72;
    /** u32 layout, 0 for RAID-1. */
    public static final int LAYOUT_OFFSET = 76;
    /** u64 used data sectors per member (the array size for RAID-1). */
    public static final int SIZE_OFFSET = 80;
    /** u32 chunk size in sectors, 0 for RAID-1. */
    public static final int CHUNKSIZE_OFFSET = 88;
    /** u32 number of active slots. */
    public static final int RAID_DISKS_OFFSET = 92;
    /** s32 sectors from the superblock to the internal bitmap (feature bit 1). */
    public static final int BITMAP_OFFSET_OFFSET = 96;
    /** u32 reshape: new level. */
    public static final int NEW_LEVEL_OFFSET = 100;
    /** u64 reshape position. */
    public static final int RESHAPE_POSITION_OFFSET = 104;
    /** u32 reshape: change in raid_disks. */
    public static final int DELTA_DISKS_OFFSET = 112;
    /** u32 reshape: new layout. */
    public static final int NEW_LAYOUT_OFFSET = 116;
    /** u32 reshape: new chunk size. */
    public static final int NEW_CHUNK_OFFSET = 120;
    /** s32 reshape: new data offset (feature bit 64). */
    public static final int NEW_OFFSET_OFFSET = 124;
    /** u64 sectors from device start to the data. */
    public static final int DATA_OFFSET_OFFSET = 128;
    /** u64 sectors available for data. */
    public static final int DATA_SIZE_OFFSET = 136;
    /** u64 sectors from device start to this superblock. */
    public static final int SUPER_OFFSET_OFFSET = 144;
    /** u64 sectors already recovered on this device (feature bit 2). */
    public static final int RECOVERY_OFFSET_OFFSET = 152;
    /** u32 this device's index into dev_roles. */
    public static final int DEV_NUMBER_OFFSET = 160;
    /** u32 corrected read errors. */
    public static final int CNT_CORRECTED_READ_OFFSET = 164;
    /** 16 bytes per-device uuid. */
    public static final int DEVICE_UUID_OFFSET = 168;
    /** u8 device flags: 1 write-mostly, 2 failfast. */
    public static final int DEVFLAGS_OFFSET = 184;
    /** u8 bad-block log: shift. */
    public static final int BBLOG_SHIFT_OFFSET = 185;
    /** u16 bad-block log: size in sectors, 0 = none. */
    public static final int BBLOG_SIZE_OFFSET = 186;
    /** s32 bad-block log: sectors from the superblock. */
    public static final int BBLOG_OFFSET_OFFSET = 188;
    /** u64 last update time, see {@link MdTime}. */
    public static final int UTIME_OFFSET = 192;
    /** u64 event counter. */
    public static final int EVENTS_OFFSET = 200;
    /** u64 sectors resynced so far; {@link #RESYNC_CLEAN} means clean. */
    public static final int RESYNC_OFFSET_OFFSET = 208;
    /** u32 checksum, see {@link SuperblockChecksum}. */
    public static final int SB_CSUM_OFFSET = 216;
    /** u32 number of dev_roles entries. */
    public static final int MAX_DEV_OFFSET = 220;
    /** 32 bytes padding, must be zero. */
    public static final int PAD3_OFFSET = 224;
    /** Length of {@link #PAD3_OFFSET}. */
    public static final int PAD3_LENGTH = 32;
    /** First u16 dev_roles entry. */
    public static final int DEV_ROLES_OFFSET = 256;
    /** Size of the fixed part. */
    public static final int FIXED_LENGTH = 256;

    /** md superblock magic. */
    public static final int MAGIC = 0xa92b4efc;
    /** resync_offset of a clean array (all ones). */
    public static final long RESYNC_CLEAN = -1L;
    /** Largest max_dev the kernel accepts. */
    public static final int MAX_DEV_LIMIT = 1920;
    /** max_dev mdadm writes for a new array (the superblock then fills 1 KiB). */
    public static final int MAX_DEV_DEFAULT = 384;
    /** Bytes read and written for a superblock: one 4 KiB block holds the largest one. */
    public static final int BLOCK = 4096;

    /** dev_roles value of a spare. */
    public static final int ROLE_SPARE = 0xffff;
    /** dev_roles value of a faulty device. */
    public static final int ROLE_FAULTY = 0xfffe;
    /** dev_roles value of a journal device. */
    public static final int ROLE_JOURNAL = 0xfffd;
    /** Largest dev_roles value that is a slot number. */
    public static final int ROLE_MAX = 0xfeff;

    /** devflags: reads avoid this member. */
    public static final int DEVFLAG_WRITE_MOSTLY = 1;
    /** devflags: fail fast on errors. */
    public static final int DEVFLAG_FAILFAST = 2;

    /** Bytes of the superblock proper for {@code maxDev} roles (the checksummed length). */
    public static int length(int maxDev) {
        return FIXED_LENGTH + 2 * maxDev;
    }
}
