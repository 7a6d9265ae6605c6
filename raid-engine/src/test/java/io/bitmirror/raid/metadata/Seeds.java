package io.bitmirror.raid.metadata;

/** Seeds for property tests: {@code -Dseed=N} replays one run; otherwise a fixed default. */
final class Seeds {
    private Seeds() {
    }

    static long base(long fallback) {
        String s = System.getProperty("seed", "");
        return s.isBlank() ? fallback : Long.parseLong(s.trim());
    }
}
