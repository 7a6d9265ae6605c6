package io.bitmirror.bitmap.format;

/**
 * Malformed on-disk metadata: the message is one line that names the field and its value,
 * ready to be shown to a user as is.
 *
 * <p>Every parser of md metadata in the project throws only this for bad input, so that callers
 * can tell "the bytes are wrong" apart from an I/O failure or a bug.
 */
public final class MdFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public MdFormatException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The name of the on-disk field that was wrong, as FORMATS.md spells it. */
    public String field() {
        return field;
    }

    /** Fails with a message naming {@code field} and {@code value} unless {@code ok}. */
    public static void check(boolean ok, String field, Object value, String why) {
        if (!ok) {
            throw new MdFormatException(field, field + " " + value + ": " + why);
        }
    }
}
