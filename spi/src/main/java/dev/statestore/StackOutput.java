package dev.statestore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.statestore.internal.Json;
import java.util.Objects;

/**
 * The stack output of a scope: the JSON value that cross-stack references read (Alchemy's
 * {@code __stack_output__}). Any JSON value; immutable, copied in and out.
 */
public final class StackOutput {

    private final JsonNode value;

    private StackOutput(JsonNode owned) {
        this.value = owned;
    }

    public static StackOutput of(JsonNode value) {
        return new StackOutput(Objects.requireNonNull(value, "value").deepCopy());
    }

    /** @throws InvalidStateException if the text is not one JSON value */
    public static StackOutput fromJson(String json) {
        try {
            return new StackOutput(Json.parse(json));
        } catch (JsonProcessingException e) {
            throw new InvalidStateException("not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** The value, copied. */
    public JsonNode value() {
        return value.deepCopy();
    }

    public String toJson() {
        return Json.compact(value);
    }

    /** Equal when the values are the same JSON text. */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof StackOutput other && toJson().equals(other.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    /** Shows the size only: outputs may hold secrets. */
    @Override
    public String toString() {
        return "StackOutput[" + value.getNodeType() + ", " + value.size() + " entries]";
    }
}
