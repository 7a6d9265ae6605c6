package io.bitmirror.raid;

import java.io.IOException;

/**
 * The one exception the embedding API throws: a request the array cannot carry out (bad
 * arguments, members that do not fit together, a member in the wrong state) or an I/O that
 * failed on every member. The message is one line, meant for the user as is; a member's own
 * I/O error, when there is one, is the cause.
 *
 * <p>Checked, and an {@link IOException}: every array error is an I/O-shaped failure a caller
 * must decide about, and code that already handles {@code IOException} handles these too.
 * See docs/API.md.
 */
public final class ArrayException extends IOException {
    private static final long serialVersionUID = 1L;

    public ArrayException(String message) {
        super(message);
    }

    public ArrayException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Fails with {@code message} unless {@code ok}. */
    public static void require(boolean ok, String message) throws ArrayException {
        if (!ok) {
            throw new ArrayException(message);
        }
    }
}
