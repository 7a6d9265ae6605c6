package io.bitmirror.tools.examine;

/** UUIDs as mdadm prints them: four groups of 8 hex digits separated by colons. */
public final class Uuids {
    private Uuids() {
    }

    /** Bytes in on-disk order: {@code 0011..:....}. */
    public static String mdadm(byte[] u) {
        StringBuilder sb = new StringBuilder(35);
        for (int i = 0; i < 16; i++) {
            if (i > 0 && (i & 3) == 0) {
                sb.append(':');
            }
            sb.append(Character.forDigit((u[i] >> 4) & 0xf, 16)).append(Character.forDigit(u[i] & 0xf, 16));
        }
        return sb.toString();
    }
}
