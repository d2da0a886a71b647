package dev.statestore.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A {@link StoredChange} without its document: enough to place the change among a scope's changes (which key, which
 * version, a write or a deletion, when, in which deployment) and to decide whether its document is needed at all.
 *
 * @param deployment the deployment whose fenced write it was, {@link WriteCondition#UNFENCED} for an unfenced one
 */
public record ChangeSummary(StateKey key, long version, boolean deletion, Instant at, long deployment) {

    public ChangeSummary {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(at, "at");
        if (version < 1) {
            throw new IllegalArgumentException("a change makes or deletes version 1 or later, not " + version);
        }
    }

    /** The summary of a change read whole. */
    public static ChangeSummary of(StoredChange change) {
        return new ChangeSummary(change.key(), change.version(), change.isDeletion(), change.at(), change.deployment());
    }

    /** The same place among its key's changes as {@link StoredChange#seq}. */
    public long seq() {
        return StoredChange.seq(version, deletion);
    }
}
