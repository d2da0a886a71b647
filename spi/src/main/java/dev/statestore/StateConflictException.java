package dev.statestore;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A conditional write whose condition did not hold: {@code create} of a record that exists,
 * {@code update} or {@code delete} with a version that is not the stored one (or of a record that
 * does not exist). Nothing was written.
 *
 * <p>Carries the scope, the key (an fqn, or {@code "stack output"}), the version the caller expected
 * ({@code 0} meaning "no record") and the version found ({@link OptionalLong#empty()} when no record
 * exists). The caller re-reads and decides; retrying the same call unchanged fails the same way.
 */
public class StateConflictException extends StateStoreException {

    private final ScopeId scope;
    private final String key;
    private final long expectedVersion;
    private final Long currentVersion;

    public StateConflictException(ScopeId scope, String key, long expectedVersion, OptionalLong currentVersion) {
        this(scope, key, expectedVersion, currentVersion, describe(scope, key, expectedVersion, currentVersion));
    }

    /** With a message of the caller's, for a conflict the versions alone do not explain (a document changed meanwhile). */
    public StateConflictException(
            ScopeId scope, String key, long expectedVersion, OptionalLong currentVersion, String message) {
        super(message);
        this.scope = Objects.requireNonNull(scope, "scope");
        this.key = Objects.requireNonNull(key, "key");
        this.expectedVersion = expectedVersion;
        this.currentVersion = currentVersion.isPresent() ? currentVersion.getAsLong() : null;
    }

    private static String describe(ScopeId scope, String key, long expected, OptionalLong current) {
        String want = expected == 0 ? "no record" : "version " + expected;
        String found = current.isPresent() ? "version " + current.getAsLong() : "no record";
        return "conflict on '" + key + "' in " + scope + ": expected " + want + ", found " + found;
    }

    /** The scope of the record. */
    public ScopeId scope() {
        return scope;
    }

    /** The fqn of the record, or {@code "stack output"}, or {@code "deploy lock"}. */
    public String key() {
        return key;
    }

    /** The version the caller expected; {@code 0} when it expected no record (a create). */
    public long expectedVersion() {
        return expectedVersion;
    }

    /** The version found in the store, empty when there is no record. */
    public OptionalLong currentVersion() {
        return currentVersion == null ? OptionalLong.empty() : OptionalLong.of(currentVersion);
    }
}
