package io.bitmirror.raid.superblock;

/** The three placements of a v1 superblock on a device. */
public enum SuperblockVersion {
    /** Near the end of the device: data starts at sector 0. */
    V1_0("1.0"),
    /** At sector 0. */
    V1_1("1.1"),
    /** At 4 KiB (sector 8): bitmirror's choice for new arrays, as mdadm's. */
    V1_2("1.2");

    private final String label;

    SuperblockVersion(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Sector of the superblock on a device of {@code deviceSectors} sectors, or -1 if it cannot fit. */
    public long superOffset(long deviceSectors) {
        switch (this) {
            case V1_0:
                return deviceSectors < 24 ? -1 : (deviceSectors - 16) & ~7L;
            case V1_1:
                return 0;
            default:
                return 8;
        }
    }

    /** The version mdadm reports for a superblock found at {@code superOffset} (as mdadm --examine decides it). */
    public static SuperblockVersion fromSuperOffset(long superOffset) {
        if (superOffset <= 4) {
            return V1_1;
        }
        return superOffset <= 8 ? V1_2 : V1_0;
    }
}
