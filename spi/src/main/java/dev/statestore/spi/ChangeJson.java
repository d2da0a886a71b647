package dev.statestore.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.CorruptStateException;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The JSON form of a {@link StoredChange}, for backends that keep each change as one document (a file, an object):
 * {@code {"fqn": "Api/Bucket" or null for the stack output, "version": 3, "at": "2026-...Z", "deployment": 7,
 * "doc": "<the document's text>"}}, without {@code doc} for a deletion. The document stays text, so it reads back
 * byte for byte.
 */
public final class ChangeJson {

    private ChangeJson() {}

    public static String toJson(StateKey key, long version, @org.jspecify.annotations.Nullable String json, Instant at,
            long deployment) {
        ObjectNode node = StateJson.nodes().objectNode();
        if (key instanceof StateKey.Record r) {
            node.put("fqn", r.fqn());
        } else {
            node.putNull("fqn");
        }
        node.put("version", version);
        node.put("at", at.toString());
        node.put("deployment", deployment);
        if (json != null) {
            node.put("doc", json);
        }
        return StateJson.compact(node);
    }

    /** @throws CorruptStateException naming {@code location} if the text is not a change */
    public static StoredChange fromJson(String text, String location) {
        try {
            JsonNode node = StateJson.parse(text);
            JsonNode fqn = node.get("fqn");
            JsonNode version = node.get("version");
            JsonNode deployment = node.get("deployment");
            JsonNode doc = node.get("doc");
            if (fqn == null || !(fqn.isNull() || fqn.isTextual()) || version == null || !version.canConvertToExactIntegral()
                    || deployment == null || !deployment.canConvertToExactIntegral() || (doc != null && !doc.isTextual())) {
                throw new CorruptStateException(location, "not a change of this store's history (fqn, version, at, "
                        + "deployment and doc are missing or malformed)", null);
            }
            StateKey key = fqn.isNull() ? StateKey.output() : StateKey.record(fqn.textValue());
            return new StoredChange(key, version.longValue(), doc == null ? null : doc.textValue(),
                    Instant.parse(node.path("at").asText()), deployment.longValue(), location);
        } catch (IOException e) {
            throw new CorruptStateException(location, "not valid JSON: " + StateJson.problem(e), e);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new CorruptStateException(location, "not a change of this store's history: " + e.getMessage(), e);
        }
    }
}
