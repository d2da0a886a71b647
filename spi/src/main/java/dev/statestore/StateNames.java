package dev.statestore;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Optional;

/**
 * The rules for fqns, stack names and stage names, and the one order in which every backend lists
 * them.
 *
 * <ul>
 *   <li>An <b>fqn</b> is the namespace path and the logical id joined by {@code /}. Every segment is
 *       non-empty, holds no control character, is not {@code .} or {@code ..}; the whole is valid
 *       UTF-16 (no lone surrogate), holds no Unicode noncharacter (U+FFFE, U+FFFF and the others, which
 *       S3's XML listings cannot carry) and is at most {@value #MAX_FQN_BYTES} bytes in UTF-8. Anything else
 *       is allowed: spaces, unicode, {@code % : # ? \ _}, names that differ only in case.
 *   <li>A <b>stack</b> or <b>stage</b> name is non-empty, at most {@value #MAX_SCOPE_NAME_BYTES}
 *       bytes in UTF-8, holds no {@code /}, {@code \} or control character, and is not {@code .} or
 *       {@code ..}.
 * </ul>
 *
 * <p>{@link #ORDER} sorts by Unicode code point, which is also the byte order of UTF-8: the order
 * PostgreSQL's {@code "C"} collation, DynamoDB sort keys and Redis lexicographic ranges agree on.
 */
public final class StateNames {

    /**
     * The largest fqn, in UTF-8 bytes: room for long namespace paths, and within what every backend can
     * index as a key (a PostgreSQL b-tree entry, a DynamoDB sort key).
     */
    public static final int MAX_FQN_BYTES = 1024;
    /** The largest stack or stage name, in UTF-8 bytes. */
    public static final int MAX_SCOPE_NAME_BYTES = 128;

    /** Unicode code point order (equal to UTF-8 byte order), unlike {@link String#compareTo}. */
    public static final Comparator<String> ORDER = StateNames::compareCodePoints;

    private StateNames() {}

    /** @throws InvalidStateException naming the problem, if {@code fqn} is not a valid fqn */
    public static String requireValidFqn(String fqn) {
        requireReadableFqn(fqn);
        requireWellFormed("fqn", fqn);
        int start = 0;
        while (true) {
            int slash = fqn.indexOf('/', start);
            String segment = slash < 0 ? fqn.substring(start) : fqn.substring(start, slash);
            requireValidSegment(fqn, segment);
            if (slash < 0) {
                return fqn;
            }
            start = slash + 1;
        }
    }

    /**
     * Why this suite will not write a record named {@code fqn}, or empty if it is a valid fqn. Another writer
     * of the same tree (Alchemy writes any string) may have stored such a record: it is read and listed like
     * any other, but creating, changing or deleting it by that name is refused.
     */
    public static Optional<String> fqnProblem(String fqn) {
        try {
            requireValidFqn(fqn);
            return Optional.empty();
        } catch (InvalidStateException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * The looser rule for names a record may be read and listed by: non-empty, at most {@value #MAX_FQN_BYTES}
     * bytes in UTF-8, no NUL and no lone surrogate (neither survives a file name, a URL or a database key).
     * Every valid fqn is readable; a readable one that is not valid was written by another tool.
     *
     * @throws InvalidStateException naming the problem, if {@code fqn} could not name a stored record at all
     */
    public static String requireReadableFqn(String fqn) {
        if (fqn == null || fqn.isEmpty()) {
            throw new InvalidStateException("invalid fqn: it is empty");
        }
        for (int i = 0; i < fqn.length(); i++) {
            char c = fqn.charAt(i);
            if (c == 0) {
                throw new InvalidStateException("invalid fqn " + quote(fqn) + ": it holds a control character");
            }
            if (Character.isHighSurrogate(c) && i + 1 < fqn.length() && Character.isLowSurrogate(fqn.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidStateException("invalid fqn: it holds a lone UTF-16 surrogate");
            }
        }
        // A UTF-16 char is at most 3 bytes in UTF-8 (a pair, 4): a short fqn needs no encoding to be measured.
        if (fqn.length() * 3 > MAX_FQN_BYTES) {
            int bytes = fqn.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_FQN_BYTES) {
                throw new InvalidStateException(
                        "invalid fqn: " + bytes + " bytes in UTF-8, the limit is " + MAX_FQN_BYTES);
            }
        }
        return fqn;
    }

    private static void requireValidSegment(String fqn, String segment) {
        if (segment.isEmpty()) {
            throw new InvalidStateException("invalid fqn " + quote(fqn) + ": it has an empty segment");
        }
        if (segment.equals(".") || segment.equals("..")) {
            throw new InvalidStateException("invalid fqn " + quote(fqn) + ": a segment is '" + segment + "'");
        }
        for (int i = 0; i < segment.length(); i++) {
            if (Character.isISOControl(segment.charAt(i))) {
                throw new InvalidStateException("invalid fqn " + quote(fqn) + ": it holds a control character");
            }
        }
    }

    /** @throws InvalidStateException naming the problem, if {@code stack} is not a valid stack name */
    public static String requireValidStack(String stack) {
        return requireValidScopeName("stack", stack);
    }

    /** @throws InvalidStateException naming the problem, if {@code stage} is not a valid stage name */
    public static String requireValidStage(String stage) {
        return requireValidScopeName("stage", stage);
    }

    private static String requireValidScopeName(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidStateException("invalid " + what + " name: it is empty");
        }
        requireWellFormed(what + " name", name);
        if (name.equals(".") || name.equals("..")) {
            throw new InvalidStateException("invalid " + what + " name '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\' || Character.isISOControl(c)) {
                throw new InvalidStateException("invalid " + what + " name " + quote(name)
                        + ": it holds '/', '\\' or a control character");
            }
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SCOPE_NAME_BYTES) {
            throw new InvalidStateException("invalid " + what + " name: " + bytes
                    + " bytes in UTF-8, the limit is " + MAX_SCOPE_NAME_BYTES);
        }
        return name;
    }

    private static void requireWellFormed(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int cp = c;
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                cp = Character.toCodePoint(c, s.charAt(i + 1));
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidStateException("invalid " + what + ": it holds a lone UTF-16 surrogate");
            }
            if (isNoncharacter(cp)) {
                // XML 1.0 cannot carry U+FFFE and U+FFFF, and S3 lists keys in XML: one such name would make every
                // listing of the bucket fail. The other noncharacters go with them: Unicode reserves them all.
                throw new InvalidStateException(String.format("invalid %s: it holds the Unicode noncharacter U+%04X, "
                        + "which is not for interchange (S3's XML listings cannot carry U+FFFE or U+FFFF)", what, cp));
            }
        }
    }

    /** U+FDD0 to U+FDEF and the last two code points of every plane. */
    private static boolean isNoncharacter(int cp) {
        return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
    }

    private static int compareCodePoints(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                return codePointRank(x) - codePointRank(y);
            }
        }
        return a.length() - b.length();
    }

    // Surrogates (D800-DFFF) encode code points above FFFF, so they must sort after E000-FFFF.
    private static int codePointRank(char c) {
        if (c < 0xD800) {
            return c;
        }
        return c >= 0xE000 ? c - 0x800 : c + 0x2000;
    }

    private static String quote(String s) {
        String shown = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        StringBuilder out = new StringBuilder("'");
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('\'').toString();
    }
}
