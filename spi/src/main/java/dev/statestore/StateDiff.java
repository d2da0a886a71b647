package dev.statestore;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What differs between two states of a scope ({@link History#diff}): the records added, removed and changed, each
 * changed one with a structural diff of its JSON, and the stack output. Secrets (values Alchemy tags
 * {@code __redacted__} or {@code __secret__}) are shown as changed, never with their values.
 *
 * @param from the deployment at whose end the first state was
 * @param to the deployment at whose end the second state was, null for the scope as it is now
 * @param records the records that differ, in fqn order
 * @param output how the stack output differs, null if it does not
 */
public record StateDiff(ScopeId scope, long from, @Nullable Long to, List<Entry> records, @Nullable Entry output) {

    public StateDiff {
        Objects.requireNonNull(scope, "scope");
        records = List.copyOf(records);
    }

    /**
     * Each field that differs between two JSON documents, by JSON Pointer, in document order; a value Alchemy tagged
     * as a secret (or one holding such a value) is reported changed without its values.
     */
    public static List<FieldChange> between(com.fasterxml.jackson.databind.JsonNode before,
            com.fasterxml.jackson.databind.JsonNode after) {
        List<FieldChange> fields = new java.util.ArrayList<>();
        dev.statestore.internal.JsonDiff.compare("", before, after, fields);
        return List.copyOf(fields);
    }

    public boolean isEmpty() {
        return records.isEmpty() && output == null;
    }

    /** How a record (or the stack output) differs. */
    public enum Kind {
        ADDED, REMOVED, CHANGED
    }

    /**
     * One record (or the stack output) that differs.
     *
     * @param fqn null for the stack output
     * @param fields for {@link Kind#CHANGED}, the fields that differ, in document order; empty otherwise
     */
    public record Entry(@Nullable String fqn, Kind kind, List<FieldChange> fields) {

        public Entry {
            Objects.requireNonNull(kind, "kind");
            fields = List.copyOf(fields);
        }
    }

    /**
     * One field that differs.
     *
     * @param path a JSON Pointer ({@code /attr/url}, {@code /bindings/0})
     * @param before its value in the first state, null if absent there (or if it is a secret)
     * @param after its value in the second state, null if absent there (or if it is a secret)
     * @param secret whether either value is a tagged secret, whose values are left out
     */
    public record FieldChange(String path, @Nullable JsonNode before, @Nullable JsonNode after, boolean secret) {

        public FieldChange {
            Objects.requireNonNull(path, "path");
        }
    }
}
