package dev.statestore.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

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

    /**
     * The document's {@code status} field, or null if it has none (the stack output).
     *
     * @throws dev.statestore.CorruptStateException naming {@link #location}, if the text is not JSON
     */
    public @Nullable String status() {
        try {
            JsonNode status = StateJson.parse(json).get("status");
            return status == null || !status.isTextual() ? null : status.textValue();
        } catch (IOException e) {
            throw new dev.statestore.CorruptStateException(location, "not valid JSON: " + StateJson.problem(e), e);
        }
    }
}
