package io.bitmirror.raid;

/**
 * A request the array cannot carry out (bad arguments, members that do not fit together):
 * the message is one line, meant for the user as is.
 */
public final class ArrayException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ArrayException(String message) {
        super(message);
    }

    /** Fails with {@code message} unless {@code ok}. */
    public static void require(boolean ok, String message) {
        if (!ok) {
            throw new ArrayException(message);
        }
    }
}
