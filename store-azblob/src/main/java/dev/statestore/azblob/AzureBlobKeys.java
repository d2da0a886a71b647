package dev.statestore.azblob;

import dev.statestore.ScopeId;
import dev.statestore.spi.StateKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Blob names. For prefix {@code P}, and stack and stage names escaped ({@link #escape}):
 *
 * <pre>
 * P/STACK/STAGE/r/SHA256(fqn)        a record or its tombstone; its metadata names the fqn
 * P/STACK/STAGE/output.json          the stack output
 * P/STACK/STAGE/x/NAME.json          a control document (deployments: see ControlStore)
 * P/STACK/STAGE/y/HASH/SEQ-ID.json   a change of the history of the key whose hash is HASH
 * </pre>
 *
 * Why a hash and not the fqn: Blob Storage gives meaning to some names (a segment ending in {@code .}, a
 * {@code \}, names over 1,024 characters), and every valid fqn must be a name of its own. The fqn goes into the
 * blob's metadata instead (base64url of its UTF-8, since metadata is ASCII), which a listing returns with the name,
 * so listing costs no read per record. Stack and stage names are escaped for the same reason: every byte of their
 * UTF-8 outside {@code [A-Za-z0-9_-]} becomes {@code %XX}, reversibly.
 */
final class AzureBlobKeys {

    private final String prefix;

    AzureBlobKeys(String prefix) {
        this.prefix = prefix.isEmpty() ? "" : prefix + "/";
    }

    String root() {
        return prefix;
    }

    String stack(String stack) {
        return prefix + escape(stack) + "/";
    }

    String scope(ScopeId scope) {
        return stack(scope.stack()) + escape(scope.stage()) + "/";
    }

    String recordsPrefix(ScopeId scope) {
        return scope(scope) + "r/";
    }

    String record(ScopeId scope, String fqn) {
        return recordsPrefix(scope) + sha256(fqn);
    }

    String output(ScopeId scope) {
        return scope(scope) + "output.json";
    }

    String document(ScopeId scope, StateKey key) {
        return key instanceof StateKey.Record r ? record(scope, r.fqn()) : output(scope);
    }

    /** The name of a control document: its name is a short ASCII path. */
    String control(ScopeId scope, String name) {
        return scope(scope) + "x/" + name + ".json";
    }

    String historyPrefix(ScopeId scope) {
        return scope(scope) + "y/";
    }

    /** The folder of the changes of one key. */
    String history(ScopeId scope, StateKey key) {
        return historyPrefix(scope) + sha256(key instanceof StateKey.Record r ? "r" + r.fqn() : "o").substring(0, 32) + "/";
    }

    /** The metadata value that names a record's fqn. */
    static String fqnValue(String fqn) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(fqn.getBytes(StandardCharsets.UTF_8));
    }

    /** The fqn a metadata value names. @throws IllegalArgumentException if it is not one this store wrote */
    static String fqnOf(String value) {
        return new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
    }

    /** A stack or stage name as a folder name: UTF-8 bytes outside {@code [A-Za-z0-9_-]} as {@code %XX}. */
    static String escape(String name) {
        StringBuilder out = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                out.append((char) c);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            }
        }
        return out.toString();
    }

    /** The name a folder name escapes. @throws IllegalArgumentException if it is not one {@link #escape} made */
    static String unescape(String folder) {
        byte[] bytes = new byte[folder.length()];
        int n = 0;
        for (int i = 0; i < folder.length(); i++) {
            char c = folder.charAt(i);
            if (c == '%') {
                if (i + 2 >= folder.length()) {
                    throw new IllegalArgumentException("a truncated escape in " + folder);
                }
                bytes[n++] = (byte) Integer.parseInt(folder.substring(i + 1, i + 3), 16);
                i += 2;
            } else if (c < 0x80) {
                bytes[n++] = (byte) c;
            } else {
                throw new IllegalArgumentException("not an escaped name: " + folder);
            }
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
