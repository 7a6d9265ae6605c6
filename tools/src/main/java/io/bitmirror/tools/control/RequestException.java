package io.bitmirror.tools.control;

import java.io.IOException;

/** A request that cannot be answered as sent (a missing or wrong argument); the message is one line. */
public final class RequestException extends IOException {
    private static final long serialVersionUID = 1L;

    public RequestException(String message) {
        super(message);
    }
}
