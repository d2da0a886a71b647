package dev.statestore.spi;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change of a scope as a backend's history keeps it: a write that made {@code version} of {@code key}, or the
 * deletion of {@code version}.
 *
 * @param json the document the write stored, as stored (sealed, with encryption at rest); null for a deletion
 * @param at when the change was made, the same instant the record's {@code updatedAt} got (deletions: when deleted)
 * @param deployment the deployment whose fenced write it was, {@link WriteCondition#UNFENCED} for an unfenced one
 * @param location where the change is kept, in the backend's terms, for error messages (never a credential)
 */
public record StoredChange(StateKey key, long version, @Nullable String json, Instant at, long deployment,
        String location) {

    public StoredChange {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(location, "location");
        if (version < 1) {
            throw new IllegalArgumentException("a change makes or deletes version 1 or later, not " + version);
        }
    }

    public boolean isDeletion() {
        return json == null;
    }

    /**
     * The change's place among the changes of its key: {@code 2 * version} for the write that made {@code version},
     * one more for its deletion, so a key's changes sort by it and no two of them share it.
     */
    public long seq() {
        return seq(version, isDeletion());
    }

    /** The {@link #seq} of the write of {@code version}, or of its deletion. */
    public static long seq(long version, boolean deletion) {
        return 2 * version + (deletion ? 1 : 0);
    }
}
