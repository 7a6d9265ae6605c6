package io.bitmirror.bitmapfile.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One ARRAY line of the config file: an optional device name ({@code /dev/md/NAME}) and
 * {@code key=value} words in the order written. Keys are matched case-insensitively as mdadm
 * does ({@code UUID=} and {@code uuid=}); the case written is kept when the line is rewritten.
 * Path-valued keys ({@code bitmap}, {@code control}) are percent-encoded: {@code %20} for a space,
 * {@code %25} for {@code %}; other values are taken as written.
 */
public final class ArrayLine {
    /** The keys whose values are paths and so percent-encoded. */
    private static final List<String> PATH_KEYS = List.of("bitmap", "control");

    private final String device;
    private final List<String[]> words;

    private ArrayLine(String device, List<String[]> words) {
        this.device = device;
        this.words = words;
    }

    /** A line with no words yet. */
    public static ArrayLine of(String device) {
        return new ArrayLine(device, new ArrayList<>());
    }

    /** Parses the words after {@code ARRAY}; a word without '=' is the device name. */
    static ArrayLine parse(List<String> wordsAfterKeyword) {
        String device = null;
        List<String[]> kv = new ArrayList<>();
        for (String w : wordsAfterKeyword) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                if (device != null) {
                    throw new IllegalArgumentException("two device names, '" + device + "' and '" + w + "'");
                }
                device = w;
            } else {
                String k = w.substring(0, eq);
                String v = w.substring(eq + 1);
                kv.add(new String[] {k, PATH_KEYS.contains(k.toLowerCase(Locale.ROOT)) ? decode(v) : v});
            }
        }
        return new ArrayLine(device, kv);
    }

    /** {@code /dev/md/NAME} as written, or null. */
    public String device() {
        return device;
    }

    /** The value of {@code key} (any case), or null. */
    public String get(String key) {
        for (String[] w : words) {
            if (w[0].equalsIgnoreCase(key)) {
                return w[1];
            }
        }
        return null;
    }

    public boolean has(String key) {
        return get(key) != null;
    }

    /** The array uuid of {@code UUID=}, or null when the line has none. */
    public byte[] uuid() {
        String u = get("uuid");
        return u == null ? null : ArrayRecord.parseUuid(u);
    }

    /** The {@code name=} value ({@code host:name}), or null. */
    public String name() {
        return get("name");
    }

    /** Sets {@code key} in place if present (keeping its case and position), else appends it. */
    public ArrayLine with(String key, String value) {
        for (String[] w : words) {
            if (w[0].equalsIgnoreCase(key)) {
                w[1] = value;
                return this;
            }
        }
        words.add(new String[] {key, value});
        return this;
    }

    /** Removes {@code key}; true if it was there. */
    public boolean without(String key) {
        return words.removeIf(w -> w[0].equalsIgnoreCase(key));
    }

    /** The keys written, in order. */
    public List<String> keys() {
        List<String> out = new ArrayList<>();
        for (String[] w : words) {
            out.add(w[0]);
        }
        return out;
    }

    /** The line as written back to the file. */
    public String format() {
        StringBuilder sb = new StringBuilder("ARRAY");
        if (device != null) {
            sb.append(' ').append(device);
        }
        for (String[] w : words) {
            String v = PATH_KEYS.contains(w[0].toLowerCase(Locale.ROOT)) ? encode(w[1]) : w[1];
            sb.append(' ').append(w[0]).append('=').append(v);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }

    static String encode(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '%' || c <= ' ' || c == 0x7f) {
                sb.append('%').append(String.format("%02X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static String decode(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
