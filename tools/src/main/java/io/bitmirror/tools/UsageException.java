package io.bitmirror.tools;

/** Arguments that make no sense together: reported on one line, exit status 2. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
