package io.bitmirror.faults;

/** Test seeds: -Dseed=N replays one (surefire passes it; empty means the default). */
public final class Seeds {
    private Seeds() {
    }

    public static long seed(long dflt) {
        String s = System.getProperty("seed", "").trim();
        return s.isEmpty() ? dflt : Long.parseLong(s);
    }
}
