package io.bitmirror.tools.examine;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Number and time formats exactly as mdadm 4.2 prints them. */
public final class MdadmText {
    private MdadmText() {
    }

    /** ctime(3) without the newline: "Sat Nov  1 05:43:35 2026", in the local time zone. */
    private static final DateTimeFormatter CTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US);

    public static String ctime(long epochSeconds) {
        return CTIME.format(Instant.ofEpochSecond(epochSeconds).atZone(ZoneId.systemDefault()));
    }

    /**
     * mdadm's human_size: empty below 5000 KiB, else " (x.xx MiB y.yy MB)" below 2 GiB, else
     * GiB and GB; each value is rounded to hundredths, half up.
     */
    public static String humanSize(long bytes) {
        if (bytes < 5000L * 1024) {
            return "";
        }
        if (bytes < 2L * 1024 * 1024 * 1024) {
            long cMiB = (bytes * 200 / (1L << 20) + 1) / 2;
            long cMB = (bytes / (1000000L / 200) + 1) / 2;
            return String.format(Locale.ROOT, " (%d.%02d MiB %d.%02d MB)", cMiB / 100, cMiB % 100, cMB / 100,
                    cMB % 100);
        }
        long cGiB = (bytes * 200 / (1L << 30) + 1) / 2;
        long cGB = (bytes / (1000000000L / 200) + 1) / 2;
        return String.format(Locale.ROOT, " (%d.%02d GiB %d.%02d GB)", cGiB / 100, cGiB % 100, cGB / 100, cGB % 100);
    }

    /** mdadm's human_chunksize: the largest unit that keeps a whole number ("64 MB", "4 KB"). */
    public static String chunksize(long bytes) {
        String[] suffix = {"B", "KB", "MB", "GB", "TB"};
        int i = 0;
        while ((bytes >> 10) != 0 && i < suffix.length - 1) {
            bytes >>= 10;
            i++;
        }
        return bytes + " " + suffix[i];
    }

    /** printf("%2.1f") of a double as glibc rounds it: the exact binary value, ties to even. */
    public static String percent1(double v) {
        String s = new BigDecimal(v).setScale(1, RoundingMode.HALF_EVEN).toPlainString();
        return s.length() < 2 ? " " + s : s;
    }

    /** mdadm's names for RAID levels. */
    public static String level(int level) {
        switch (level) {
            case -1: return "linear";
            case 0: return "raid0";
            case 1: return "raid1";
            case 4: return "raid4";
            case 5: return "raid5";
            case 6: return "raid6";
            case 10: return "raid10";
            case -4: return "multipath";
            case -5: return "faulty";
            default: return "-unknown-";
        }
    }
}
