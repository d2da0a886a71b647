package dev.statestore.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A control document as a {@link ControlStore} read it.
 *
 * @param json the document
 * @param tag the backend's version of the stored document (a counter, an S3 ETag), or null for a backend that
 *     compares the text itself when it sets the next one
 */
public record ControlDocument(String json, @Nullable String tag) {

    public ControlDocument {
        Objects.requireNonNull(json, "json");
    }
}
