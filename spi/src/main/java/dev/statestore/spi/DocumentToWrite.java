package dev.statestore.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A validated document on its way to a backend. {@link #json()} is the compact text every backend
 * stores, unless it keeps Alchemy's pretty-printed form ({@link #prettyJson()}), as the file store does.
 *
 * @param json the compact text
 * @param status the record's status as spelled in the document, {@code null} for a stack output
 */
public record DocumentToWrite(StateKey key, JsonNode tree, @Nullable String status, String json) {

    public DocumentToWrite {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(tree, "tree");
        Objects.requireNonNull(json, "json");
    }

    /** The document with its compact text, written once here. The caller hands over {@code tree}. */
    public static DocumentToWrite of(StateKey key, JsonNode tree, @Nullable String status) {
        return new DocumentToWrite(key, tree, status, StateJson.compact(tree));
    }

    public String prettyJson() {
        return StateJson.pretty(tree);
    }

    /** The field of a document sealed by encryption at rest that holds its envelope. */
    public static final String SEALED = "__sealed__";

    /** The envelope's field that names the version its document was sealed for. */
    public static final String SEALED_VERSION = "ver";

    /**
     * The version encryption at rest sealed this document for, or 0 for one not sealed for a version: such a document
     * opens only as that version, so whoever passes it on (a server, its client) writes it only as that version.
     */
    public long sealedFor() {
        JsonNode version = tree.path(SEALED).path(SEALED_VERSION);
        return version.canConvertToLong() ? version.asLong() : 0;
    }
}
