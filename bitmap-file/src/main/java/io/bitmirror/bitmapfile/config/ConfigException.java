package io.bitmirror.bitmapfile.config;

import io.bitmirror.bitmapfile.BitmapFileException;

/** A config file that cannot be read as written: {@code FILE:LINE: what is wrong}. */
public final class ConfigException extends BitmapFileException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
