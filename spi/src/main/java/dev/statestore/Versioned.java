package dev.statestore;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored value with the store's metadata: its version, the optimistic-locking token (1 on a key's
 * first create, one more on every write, never repeated for a key, even across delete and re-create),
 * and when it was last written.
 *
 * @param <T> {@link ResourceState} or {@link StackOutput}
 */
public record Versioned<T>(T value, long version, Instant updatedAt) {

    public Versioned {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1, was " + version);
        }
    }
}
