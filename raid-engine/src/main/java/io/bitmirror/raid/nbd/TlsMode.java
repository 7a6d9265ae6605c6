package io.bitmirror.raid.nbd;

import io.bitmirror.raid.ArrayException;

import java.util.Locale;

/** TLS on the export, in nbdkit's words ({@code --tls=off|on|require}). */
public enum TlsMode {
    /** NBD_OPT_STARTTLS is answered "unsupported". */
    OFF,
    /** A client may upgrade with NBD_OPT_STARTTLS or stay in plain text. */
    ON,
    /** Every option but STARTTLS and ABORT is refused (NBD_REP_ERR_TLS_REQD) until TLS is up. */
    REQUIRE;

    /** {@code off}, {@code on} or {@code require} (case-insensitive). */
    public static TlsMode parse(String word) throws ArrayException {
        switch (word.toLowerCase(Locale.ROOT)) {
            case "off":
                return OFF;
            case "on":
                return ON;
            case "require":
                return REQUIRE;
            default:
                throw new ArrayException("--tls=" + word + ": expected off, on or require");
        }
    }
}
