package dev.statestore.s3;

import dev.statestore.ScopeId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Object keys. For prefix {@code P}:
 *
 * <pre>
 * P/STACK/STAGE/r/FQN          a record, its key the fqn itself (an empty object is its tombstone)
 * P/STACK/STAGE/h/SHA256       a record whose key would pass S3's 1,024 bytes; the object names its fqn
 * P/STACK/STAGE/output.json    the stack output
 * P/STACK/STAGE/x/NAME.json    a control document (deployments: see ControlStore)
 * P/STACK/STAGE/y/HASH/SEQ-ID.json  a change of the history of the key whose hash is HASH (see S3Backend)
 * P/STACK/STAGE/lock.json      the deploy lock of a release before deployments
 * </pre>
 *
 * Names go into keys as they are. That is safe, because the names are validated first: stack and stage
 * names hold no {@code /}, an fqn has no empty, {@code .} or {@code ..} segment and no control character,
 * so a key never leaves its scope's prefix and never needs a server to normalize it. It is reversible (the
 * identity). And it keeps order: S3 lists keys in UTF-8 byte order, which is the fqn order this suite
 * promises, so a page is one {@code ListObjectsV2} from {@code StartAfter}, with no sorting.
 */
final class S3Keys {

    static final int MAX_KEY_BYTES = 1024;

    private final String prefix;

    S3Keys(String prefix) {
        this.prefix = prefix.isEmpty() ? "" : prefix + "/";
    }

    String root() {
        return prefix;
    }

    String scope(ScopeId scope) {
        return prefix + scope.stack() + "/" + scope.stage() + "/";
    }

    String recordsPrefix(ScopeId scope) {
        return scope(scope) + "r/";
    }

    String hashedPrefix(ScopeId scope) {
        return scope(scope) + "h/";
    }

    /** The key of a record. */
    String record(ScopeId scope, String fqn) {
        String key = recordsPrefix(scope) + fqn;
        if (key.getBytes(StandardCharsets.UTF_8).length <= MAX_KEY_BYTES) {
            return key;
        }
        return hashedPrefix(scope) + sha256(fqn);
    }

    String output(ScopeId scope) {
        return scope(scope) + "output.json";
    }

    /** The key of a control document: its name is a short ASCII path. */
    String control(ScopeId scope, String name) {
        return scope(scope) + "x/" + name + ".json";
    }

    String historyPrefix(ScopeId scope) {
        return scope(scope) + "y/";
    }

    /** The folder of the changes of one key: a hash, since an fqn may be as long as a key. */
    String history(ScopeId scope, dev.statestore.spi.StateKey key) {
        return historyPrefix(scope) + sha256(key instanceof dev.statestore.spi.StateKey.Record r ? "r" + r.fqn() : "o")
                .substring(0, 32) + "/";
    }

    String lock(ScopeId scope) {
        return scope(scope) + "lock.json";
    }

    /** The fqn of a key under {@link #recordsPrefix}. */
    String fqnOf(ScopeId scope, String key) {
        return key.substring(recordsPrefix(scope).length());
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
