package dev.statestore.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A scope's lease document as a {@link LeaseStore} read it.
 *
 * @param state the lease
 * @param tag the backend's version of the stored document (an S3 ETag), or null for a backend that compares the
 *     state itself when it sets the next one
 */
public record StoredLease(LockState state, @Nullable String tag) {

    public StoredLease {
        Objects.requireNonNull(state, "state");
    }
}
