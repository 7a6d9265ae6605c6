package io.bitmirror.bitmapfile;

import java.io.IOException;

/**
 * A refusal or failure concerning an external bitmap file: one line that names the file, the
 * reason and the value that caused it, e.g. {@code bitmap file /mnt/x/bm: on tmpfs (f_type
 * 0x01021994), which has no stable block addresses; use ext2/3/4 or xfs}. The CLI prints the
 * message as is.
 */
public class BitmapFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public BitmapFileException(String message) {
        super(message);
    }

    public BitmapFileException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The standard message prefix for {@code file}. */
    public static String about(Object file) {
        return "bitmap file " + file + ": ";
    }
}
