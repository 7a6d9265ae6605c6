package io.bitmirror.tools.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Sizes as mdadm takes them: a whole number of KiB by default, or with a suffix K, M, G or T
 * (powers of 1024) or s (512-byte sectors). Lower-case k/m/g/t are accepted too.
 */
public final class Sizes implements ITypeConverter<Long> {

    /** Parses {@code text} into bytes. */
    public static long parseBytes(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new TypeConversionException("size is empty");
        }
        char last = s.charAt(s.length() - 1);
        long unit;
        String digits = s.substring(0, s.length() - 1);
        switch (last) {
            case 'K': case 'k': unit = 1L << 10; break;
            case 'M': case 'm': unit = 1L << 20; break;
            case 'G': case 'g': unit = 1L << 30; break;
            case 'T': case 't': unit = 1L << 40; break;
            case 's': unit = 512; break;
            default:
                unit = 1L << 10;
                digits = s;
        }
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
            throw new TypeConversionException("'" + text + "' is not a size (a number with K, M, G, T or s)");
        }
        try {
            return Math.multiplyExact(Long.parseLong(digits), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is too large");
        }
    }

    @Override
    public Long convert(String value) {
        return parseBytes(value);
    }
}
