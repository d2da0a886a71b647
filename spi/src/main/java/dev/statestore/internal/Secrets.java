package dev.statestore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** Internal: the values Alchemy tags as secrets ({@code {"__redacted__": …}}, {@code {"__secret__": …}}). */
public final class Secrets {

    /** What a masked secret's value becomes: its tag stays, so a reader sees that a secret is there. */
    public static final String HIDDEN = "(hidden)";

    private static final Set<String> TAGS = Set.of("__redacted__", "__secret__");

    private Secrets() {}

    /** A value Alchemy tagged as a secret: an object whose one field is a secret tag. */
    public static boolean isSecret(JsonNode node) {
        if (!node.isObject() || node.size() != 1) {
            return false;
        }
        Iterator<String> names = node.fieldNames();
        return TAGS.contains(names.next());
    }

    public static boolean containsSecret(JsonNode node) {
        if (isSecret(node)) {
            return true;
        }
        for (JsonNode child : node) {
            if (containsSecret(child)) {
                return true;
            }
        }
        return false;
    }

    /** A copy of {@code node} with every secret's value replaced by {@link #HIDDEN}, its tag kept. */
    public static JsonNode masked(JsonNode node) {
        if (isSecret(node)) {
            ObjectNode hidden = node.deepCopy();
            hidden.put(node.fieldNames().next(), HIDDEN);
            return hidden;
        }
        if (node instanceof ObjectNode object) {
            ObjectNode copy = object.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                copy.set(field.getKey(), masked(field.getValue()));
            }
            return copy;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode copy = array.arrayNode(array.size());
            array.forEach(element -> copy.add(masked(element)));
            return copy;
        }
        return node;
    }
}
