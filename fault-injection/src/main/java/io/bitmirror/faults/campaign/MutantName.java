package io.bitmirror.faults.campaign;

import io.bitmirror.bitmap.engine.Mutant;

import java.util.Locale;

/** The mutants a campaign can switch on, by their command-line names. */
public enum MutantName {
    /** Writers released before the bitmap pages are durable: data can reach a member before its bit. */
    W1_DATA_BEFORE_BITMAP("w1-data-before-bitmap", Mutant.W1),
    /** Bits cleared without waiting for a member flush after the chunk's last write. */
    W2_CLEAR_BEFORE_FLUSH("w2-clear-before-flush", Mutant.W2),
    /** Bits cleared while the array is degraded. */
    W4_CLEAR_WHILE_DEGRADED("w4-clear-while-degraded", Mutant.W4),
    /** Bits never cleared: the bitmap only grows (a liveness bug that no safety check sees). */
    L1_NEVER_CLEAR("l1-never-clear", Mutant.L1),
    /** Bits let go while a write's copy to a write-mostly member is still behind: W2 with write-behind. */
    W2_CLEAR_WHILE_BEHIND("w2-clear-while-behind", Mutant.BEHIND, "W2");

    private final String cliName;
    private final Mutant mutant;
    private final String check;

    MutantName(String cliName, Mutant mutant) {
        this(cliName, mutant, mutant.name());
    }

    MutantName(String cliName, Mutant mutant, String check) {
        this.cliName = cliName;
        this.mutant = mutant;
        this.check = check;
    }

    public String cliName() {
        return cliName;
    }

    public Mutant mutant() {
        return mutant;
    }

    /** The check whose violations prove this mutant caught: the invariant it breaks ("W1", "L1"...). */
    public String check() {
        return check;
    }

    /** By command-line name ("w1-data-before-bitmap") or short name ("w1"), case-insensitive. */
    public static MutantName parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (MutantName m : values()) {
            if (m.cliName.equals(v) || m.mutant.name().toLowerCase(Locale.ROOT).equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no mutant named " + s);
    }
}
