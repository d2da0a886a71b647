package dev.statestore.internal;

import dev.statestore.InvalidStateException;
import dev.statestore.StateNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Internal: how the file store names a record's file. The name is the fqn with {@code /} written as
 * {@code __}, as Alchemy writes it, with {@code %}, {@code \}, control characters and every {@code _}
 * at the start or end of a segment or next to another {@code _} percent-encoded (UTF-8), so that
 * {@code __} can only be a separator and the name decodes back to exactly one fqn. A name longer than
 * {@link #MAX_NAME_BYTES} is cut and ends in {@code %~} and a hash of the fqn, a form no plain name
 * can take ({@code %} is always followed by two hex digits otherwise).
 */
final class FileNames {

    /** The longest file name, {@code .json} included, in UTF-8 bytes. */
    static final int MAX_NAME_BYTES = 200;
    static final String EXTENSION = ".json";
    static final String OUTPUT_BASE = "__stack_output__";
    private static final String HASH_MARK = "%~";
    private static final int HASH_HEX_CHARS = 32;

    private FileNames() {}

    /** The plain (reversible) name of the fqn, without extension; may be longer than allowed. */
    static String encode(String fqn) {
        StringBuilder out = new StringBuilder(fqn.length() + 8);
        String[] segments = fqn.split("/", -1);
        for (int s = 0; s < segments.length; s++) {
            if (s > 0) {
                out.append("__");
            }
            encodeSegment(segments[s], out);
        }
        return out.toString();
    }

    private static void encodeSegment(String segment, StringBuilder out) {
        int n = segment.length();
        for (int i = 0; i < n; ) {
            int cp = segment.codePointAt(i);
            int width = Character.charCount(cp);
            boolean escape;
            if (cp == '_') {
                boolean edge = i == 0 || i + 1 == n;
                boolean nextToUnderscore = (i > 0 && segment.charAt(i - 1) == '_') || (i + 1 < n && segment.charAt(i + 1) == '_');
                escape = edge || nextToUnderscore;
            } else {
                escape = cp == '%' || cp == '\\' || Character.isISOControl(cp);
            }
            if (escape) {
                for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                            .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
                }
            } else {
                out.appendCodePoint(cp);
            }
            i += width;
        }
    }

    /** The file name this store writes for the fqn: the plain name, or the hashed one if too long. */
    static String primaryBase(String fqn) {
        String plain = encode(fqn);
        if (utf8Length(plain) + EXTENSION.length() <= MAX_NAME_BYTES) {
            return plain;
        }
        return hashedBase(fqn);
    }

    /**
     * A name unique to the fqn: the plain name cut short and a hash of the fqn. Used when the plain
     * name is too long, and when the plain name's file belongs to another fqn (a case-insensitive file
     * system folds {@code Bucket} and {@code bucket} into one file).
     */
    static String hashedBase(String fqn) {
        String plain = encode(fqn);
        int budget = MAX_NAME_BYTES - EXTENSION.length() - HASH_MARK.length() - HASH_HEX_CHARS;
        StringBuilder prefix = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < plain.length(); ) {
            int cp = plain.codePointAt(i);
            int width = cp == '%' ? 3 : Character.charCount(cp);
            String unit = plain.substring(i, Math.min(plain.length(), i + width));
            int unitBytes = utf8Length(unit);
            if (bytes + unitBytes > budget) {
                break;
            }
            prefix.append(unit);
            bytes += unitBytes;
            i += width;
        }
        return prefix + HASH_MARK + sha256Hex(fqn).substring(0, HASH_HEX_CHARS);
    }

    /** The name Alchemy itself would give the fqn ({@code /} as {@code __}, nothing else), if usable. */
    static Optional<String> alchemyBase(String fqn) {
        String naive = fqn.replace("/", "__");
        if (naive.equals(OUTPUT_BASE) || utf8Length(naive) + EXTENSION.length() > 255
                || naive.chars().anyMatch(c -> c == '\\' || Character.isISOControl(c))) {
            return Optional.empty();
        }
        return Optional.of(naive);
    }

    /**
     * The fqn a plain name stands for; empty for hashed names and names this store would not write.
     * The store itself reads each file's fqn from the file (names made by Alchemy are ambiguous); this
     * is the proof that its own names are reversible, and a tool's way to read them.
     */
    static Optional<String> decode(String base) {
        if (base.contains(HASH_MARK) || base.isEmpty()) {
            return Optional.empty();
        }
        String[] parts = base.split("__", -1);
        StringBuilder fqn = new StringBuilder();
        for (int p = 0; p < parts.length; p++) {
            if (p > 0) {
                fqn.append('/');
            }
            Optional<String> segment = percentDecode(parts[p]);
            if (segment.isEmpty()) {
                return Optional.empty();
            }
            fqn.append(segment.get());
        }
        String result = fqn.toString();
        try {
            StateNames.requireValidFqn(result);
        } catch (InvalidStateException e) {
            return Optional.empty();
        }
        // Only a name that encodes back to itself is one this store writes.
        return encode(result).equals(base) ? Optional.of(result) : Optional.empty();
    }

    private static Optional<String> percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return Optional.of(s);
        }
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[in.length];
        int n = 0;
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%') {
                if (i + 2 >= in.length) {
                    return Optional.empty();
                }
                int hi = Character.digit(in[i + 1], 16);
                int lo = Character.digit(in[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    return Optional.empty();
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                out[n++] = in[i];
            }
        }
        return Optional.of(new String(out, 0, n, StandardCharsets.UTF_8));
    }

    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    static String sha256Hex(String s) {
        return sha256Hex(s.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
