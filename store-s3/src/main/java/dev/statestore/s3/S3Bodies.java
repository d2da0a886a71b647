package dev.statestore.s3;

import java.nio.charset.StandardCharsets;

/**
 * The bytes of the objects that hold records and outputs, made so that no two versions of a key ever
 * have the same bytes.
 *
 * <p>Why: S3's ETag is the MD5 of the bytes, and a conditional write compares ETags. Had two versions of
 * a key the same bytes (a record written again unchanged, or two tombstones), a write conditional on the
 * older one's ETag would pass against the newer one, and one writer's update would be lost. So a
 * document is followed by a new line and its version in 64 binary digits of white space (space 0, tab 1),
 * which JSON ignores; a tombstone is a new line and the low 24 bits of its version the same way.
 *
 * <p>A tombstone is therefore exactly {@value #TOMBSTONE_BYTES} bytes of that form (an empty object, as earlier
 * releases wrote, is one too) and a document always more. This release also marks its tombstones in their
 * metadata, and a marked object is a tombstone whatever its bytes; an unmarked one of at most that size must be
 * exactly a tombstone's bytes, or it is corrupt, reported by key, and never taken for a deleted record (which a
 * create would write over). A listing sees sizes only: it skips objects of exactly a tombstone's size and reports
 * smaller ones.
 */
final class S3Bodies {

    static final int TOMBSTONE_BYTES = 25;
    private static final int DOCUMENT_BITS = 64;
    private static final int TOMBSTONE_BITS = 24;

    private S3Bodies() {}

    static byte[] document(String json, long version) {
        return (json + whitespace(version, DOCUMENT_BITS)).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] tombstone(long version) {
        return whitespace(version, TOMBSTONE_BITS).getBytes(StandardCharsets.UTF_8);
    }

    /** Whether an object of {@code size} bytes cannot be a document: a tombstone, or corrupt (unknown: look). */
    static boolean isSmall(Long size) {
        return size == null || size <= TOMBSTONE_BYTES;
    }

    /** Whether a listing takes an object of {@code size} bytes for a tombstone: exactly a tombstone's size, or empty. */
    static boolean listsAsTombstone(long size) {
        return size == 0 || size == TOMBSTONE_BYTES;
    }

    /** Whether {@code body} is exactly a tombstone: empty, or a new line and 24 spaces and tabs. */
    static boolean isTombstone(byte[] body) {
        if (body.length == 0) {
            return true;
        }
        if (body.length != TOMBSTONE_BYTES || body[0] != '\n') {
            return false;
        }
        for (int i = 1; i < body.length; i++) {
            if (body[i] != ' ' && body[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    /**
     * The version a document's bytes carry in their trailing white space, or -1 for bytes without it (a tombstone,
     * or a document another writer stored). A read checks it against the version in the object's metadata.
     */
    static long documentVersion(byte[] body) {
        int start = body.length - DOCUMENT_BITS - 1;
        if (start < 0 || body[start] != '\n') {
            return -1;
        }
        long version = 0;
        for (int i = start + 1; i < body.length; i++) {
            if (body[i] != ' ' && body[i] != '\t') {
                return -1;
            }
            version = version << 1 | (body[i] == '\t' ? 1 : 0);
        }
        return version;
    }

    /** The document an object holds: its text without the trailing white space. */
    static String text(String body) {
        return body.stripTrailing();
    }

    private static String whitespace(long version, int bits) {
        StringBuilder out = new StringBuilder(bits + 1).append('\n');
        for (int bit = bits - 1; bit >= 0; bit--) {
            out.append(((version >>> bit) & 1) == 1 ? '\t' : ' ');
        }
        return out.toString();
    }
}
