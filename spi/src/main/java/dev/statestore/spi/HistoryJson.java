package dev.statestore.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.RestoreResult;
import dev.statestore.ScopeSnapshot;
import dev.statestore.StateChange;
import dev.statestore.StateDiff;
import dev.statestore.Versioned;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The JSON of history for the HTTP API and the command line's {@code --json}: what a server sends, what its client
 * reads back, what a script parses. A document is embedded as JSON, exactly as stored.
 *
 * <pre>
 * change   {"fqn": "Api/Bucket" | null (the stack output), "version": 3, "deleted": false, "document": {...} (not for
 *           a deletion), "at": "2026-...Z", "deployment": 7 (0: unfenced), "initiator": {"user", "host", "pid"}}
 * snapshot {"deployment": 7, "records": {"FQN": {"version", "updatedAt", "document"}}, "output": {...} | null}
 * diff     {"from": 5, "to": 7 | null, "records": [{"fqn", "kind": "added|removed|changed", "fields": [{"path",
 *           "before", "after", "secret"}]}], "output": {"kind", "fields"} | null}
 * restore  {"restoredTo", "deployment", "created", "updated", "deleted", "outputChanged"}
 * </pre>
 */
public final class HistoryJson {

    private HistoryJson() {}

    public static ObjectNode change(StateChange change) {
        ObjectNode node = StateJson.nodes().objectNode();
        if (change.fqn() == null) {
            node.putNull("fqn");
        } else {
            node.put("fqn", change.fqn());
        }
        node.put("version", change.version());
        node.put("deleted", change.isDeletion());
        if (change.record() != null) {
            node.set("document", change.record().toJsonNode());
        } else if (change.output() != null) {
            node.set("document", change.output().value());
        }
        node.put("at", change.at().toString());
        node.put("deployment", change.deployment());
        if (change.initiator() != null) {
            node.set("initiator", DeploymentJson.initiator(change.initiator()));
        }
        return node;
    }

    /**
     * The change a node describes, as a backend holds it (the document as compact text).
     *
     * @throws IllegalArgumentException if the node is not a change
     */
    public static StoredChange storedChange(JsonNode node, String location) {
        JsonNode fqn = node.get("fqn");
        JsonNode document = node.get("document");
        if (fqn == null || !(fqn.isNull() || fqn.isTextual()) || !node.path("version").canConvertToExactIntegral()
                || !node.path("deployment").canConvertToExactIntegral() || !node.path("at").isTextual()) {
            throw new IllegalArgumentException("not a change: " + node);
        }
        StateKey key = fqn.isNull() ? StateKey.output() : StateKey.record(fqn.textValue());
        boolean deleted = node.path("deleted").asBoolean(false);
        return new StoredChange(key, node.get("version").longValue(),
                deleted || document == null ? null : StateJson.compact(document), Instant.parse(node.get("at").textValue()),
                node.get("deployment").longValue(), location);
    }

    public static ObjectNode snapshot(ScopeSnapshot snapshot) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("deployment", snapshot.deployment());
        ObjectNode records = node.putObject("records");
        snapshot.records().forEach((fqn, record) -> records.set(fqn, versioned(record, record.value().toJsonNode())));
        if (snapshot.output() == null) {
            node.putNull("output");
        } else {
            node.set("output", versioned(snapshot.output(), snapshot.output().value().value()));
        }
        return node;
    }

    private static ObjectNode versioned(Versioned<?> value, JsonNode document) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("version", value.version());
        node.put("updatedAt", value.updatedAt().toString());
        node.set("document", document);
        return node;
    }

    public static ObjectNode diff(StateDiff diff) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("from", diff.from());
        if (diff.to() == null) {
            node.putNull("to");
        } else {
            node.put("to", diff.to());
        }
        ArrayNode records = node.putArray("records");
        diff.records().forEach(entry -> records.add(entry(entry)));
        if (diff.output() == null) {
            node.putNull("output");
        } else {
            node.set("output", entry(diff.output()));
        }
        return node;
    }

    private static ObjectNode entry(StateDiff.Entry entry) {
        ObjectNode node = StateJson.nodes().objectNode();
        if (entry.fqn() != null) {
            node.put("fqn", entry.fqn());
        }
        node.put("kind", entry.kind().name().toLowerCase(Locale.ROOT));
        node.set("fields", fieldChanges(entry.fields()));
        return node;
    }

    /** Field changes as the diff's JSON has them: {@code path}, {@code before}, {@code after} (absent: no value), {@code secret}. */
    public static ArrayNode fieldChanges(List<StateDiff.FieldChange> changes) {
        ArrayNode fields = StateJson.nodes().arrayNode();
        for (StateDiff.FieldChange field : changes) {
            ObjectNode f = fields.addObject();
            f.put("path", field.path());
            putValue(f, "before", field.before());
            putValue(f, "after", field.after());
            f.put("secret", field.secret());
        }
        return fields;
    }

    private static void putValue(ObjectNode node, String name, @Nullable JsonNode value) {
        if (value != null) {
            node.set(name, value);
        }
    }

    public static ObjectNode restore(RestoreResult result) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("restoredTo", result.restoredTo());
        node.put("deployment", result.deployment());
        node.put("created", result.created());
        node.put("updated", result.updated());
        node.put("deleted", result.deleted());
        node.put("outputChanged", result.outputChanged());
        return node;
    }
}
