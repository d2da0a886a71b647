package dev.statestore.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A document as a backend holds it: the JSON text, its version and when it was written.
 *
 * @param location where the bytes are, in the backend's terms, for error messages (never a credential)
 */
public record StoredDocument(StateKey key, String json, long version, Instant updatedAt, String location) {

    public StoredDocument {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(location, "location");
    }
}
