package dev.statestore.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Internal: where the file store keeps a record, as a {@link Slot}: the document's file in the stage folder
 * and the base name of its version file.
 *
 * <ol>
 *   <li><b>Alchemy's own name</b>, {@code NAME.json} with {@code NAME} the fqn with {@code /} written as
 *       {@code __} and nothing else changed, exactly as Alchemy's {@code LocalState} names it, so that Alchemy
 *       finds every record it can address. Used whenever a file can have it (at most 255 bytes) and no other
 *       record holds it.
 *   <li>Otherwise the <b>fallback name</b>, {@code PREFIX~HASH.json.statestore}: a prefix of Alchemy's name and
 *       32 hex digits of the fqn's SHA-256. It does not end in {@code .json}, so Alchemy never reads it as
 *       another record: it is used only where Alchemy could not hold the record itself (its name is taken by
 *       {@code a__b} beside {@code a/b}, or folded by a case-insensitive file system, or too long).
 *   <li>The <b>names of earlier releases</b>, still read and moved to the current name by the record's next
 *       write: percent-escaped names ({@code %}, {@code \}, and {@code _} at a segment's edge or next to
 *       another escaped) and names cut at 200 bytes ending in {@code %~HASH}.
 * </ol>
 *
 * Alchemy's names are not reversible ({@code a__b.json} is {@code a/b} or {@code a__b}): the store never
 * relies on a name, every file holds its own {@code fqn}, and a file counts as a record only under one of
 * the names of the fqn it holds.
 */
final class FileNames {

    static final String EXTENSION = ".json";
    /** The fallback's extension: not {@code .json}, so Alchemy's listing skips the file and its reads never hit it. */
    static final String FALLBACK_EXTENSION = ".json.statestore";
    static final String OUTPUT_BASE = "__stack_output__";
    /** The longest file name most file systems take, in bytes. */
    static final int MAX_FILE_NAME_BYTES = 255;
    /** The fallback names' length, extension included: below the limit, room for tools that add a suffix. */
    static final int FALLBACK_NAME_BYTES = 200;
    /** The length of the names of earlier releases, extension included. */
    static final int LEGACY_NAME_BYTES = 200;
    private static final String LEGACY_HASH_MARK = "%~";
    private static final int HASH_HEX_CHARS = 32;

    /** A document's file (in the stage folder) and its version file's base name (in the metadata folder). */
    record Slot(String file, String metaBase) {
        static Slot json(String base) {
            return new Slot(base + EXTENSION, base);
        }
    }

    private FileNames() {}

    /** The stack output's slot. */
    static Slot output() {
        return Slot.json(OUTPUT_BASE);
    }

    /** Alchemy's own name for the fqn, {@code /} as {@code __}: what its {@code LocalState} reads and writes. */
    static String alchemyBase(String fqn) {
        return fqn.replace("/", "__");
    }

    /** The slot under Alchemy's own name, if a file can have it. */
    static Optional<Slot> alchemySlot(String fqn) {
        String base = alchemyBase(fqn);
        if (base.equals(OUTPUT_BASE) || utf8Length(base + EXTENSION) > MAX_FILE_NAME_BYTES || base.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        return Optional.of(Slot.json(base));
    }

    /** The fallback slot: unique to the fqn, never a name Alchemy reads. */
    static Slot fallbackSlot(String fqn) {
        String suffix = "~" + sha256Hex(fqn).substring(0, HASH_HEX_CHARS);
        String base = cut(alchemyBase(fqn), FALLBACK_NAME_BYTES - FALLBACK_EXTENSION.length() - suffix.length()) + suffix;
        return new Slot(base + FALLBACK_EXTENSION, base);
    }

    /** Where a new record goes, in order of preference: Alchemy's name if it can be a file, then the fallback. */
    static List<Slot> writeSlots(String fqn) {
        List<Slot> slots = new ArrayList<>(2);
        alchemySlot(fqn).ifPresent(slots::add);
        slots.add(fallbackSlot(fqn));
        return slots;
    }

    /** Every slot that may hold the fqn, in the order a read searches them: the first that holds it wins. */
    static List<Slot> readSlots(String fqn) {
        Set<Slot> slots = new LinkedHashSet<>(writeSlots(fqn));
        String legacy = legacyEncode(fqn);
        if (utf8Length(legacy + EXTENSION) <= LEGACY_NAME_BYTES) {
            slots.add(Slot.json(legacy));
        }
        slots.add(Slot.json(legacyHashedBase(fqn)));
        return List.copyOf(slots);
    }

    /** The longest prefix of {@code s}, whole code points, of at most {@code maxBytes} UTF-8 bytes. */
    private static String cut(String s, int maxBytes) {
        int bytes = 0;
        int end = 0;
        while (end < s.length()) {
            int cp = s.codePointAt(end);
            int width = utf8Length(new String(Character.toChars(cp)));
            if (bytes + width > maxBytes) {
                break;
            }
            bytes += width;
            end += Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    // ---- the names of earlier releases, read only -------------------------------------------------

    /** The percent-escaped name earlier releases wrote (reversible, possibly too long). */
    static String legacyEncode(String fqn) {
        StringBuilder out = new StringBuilder(fqn.length() + 8);
        String[] segments = fqn.split("/", -1);
        for (int s = 0; s < segments.length; s++) {
            if (s > 0) {
                out.append("__");
            }
            legacyEncodeSegment(segments[s], out);
        }
        return out.toString();
    }

    private static void legacyEncodeSegment(String segment, StringBuilder out) {
        int n = segment.length();
        for (int i = 0; i < n; ) {
            int cp = segment.codePointAt(i);
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
            i += Character.charCount(cp);
        }
    }

    /** The cut name earlier releases wrote for names over 200 bytes: escaped prefix, {@code %~}, hash. */
    static String legacyHashedBase(String fqn) {
        String plain = legacyEncode(fqn);
        int budget = LEGACY_NAME_BYTES - EXTENSION.length() - LEGACY_HASH_MARK.length() - HASH_HEX_CHARS;
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
        return prefix + LEGACY_HASH_MARK + sha256Hex(fqn).substring(0, HASH_HEX_CHARS);
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
