package dev.statestore.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.DeploymentEvent;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.DeploymentSummary;
import dev.statestore.ScopeId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Deployments as JSON, in the shapes of Alchemy's wire contract ({@code HttpStateApi.ts}): times in epoch
 * milliseconds, {@code alchemyVersion} for the tool's version, outcomes by their wire names. A record adds this
 * suite's own fields ({@code ttlMillis}, {@code lastSeq}, {@code journalPruned}), which Alchemy's client ignores.
 * Reading refuses a document that is not of the shape with {@link IllegalArgumentException}.
 */
public final class DeploymentJson {

    private DeploymentJson() {}

    public static ObjectNode meta(DeploymentMeta meta) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("command", meta.command());
        if (meta.initiator() != null) {
            node.set("initiator", initiator(meta.initiator()));
        }
        putIfPresent(node, "alchemyVersion", meta.toolVersion());
        putIfPresent(node, "gitCommit", meta.gitCommit());
        putIfPresent(node, "note", meta.note());
        return node;
    }

    public static DeploymentMeta meta(JsonNode node) {
        return new DeploymentMeta(requiredText(node, "command"), initiator(node.get("initiator")),
                text(node, "alchemyVersion"), text(node, "gitCommit"), text(node, "note"));
    }

    public static ObjectNode initiator(DeploymentMeta.Initiator initiator) {
        ObjectNode node = StateJson.nodes().objectNode();
        putIfPresent(node, "user", initiator.user());
        putIfPresent(node, "host", initiator.host());
        if (initiator.pid() != null) {
            node.put("pid", initiator.pid());
        }
        return node;
    }

    /** The initiator a node describes; null for a missing or null node. */
    public static DeploymentMeta.@Nullable Initiator initiator(@Nullable JsonNode node) {
        return node == null || node.isNull() ? null : new DeploymentMeta.Initiator(text(node, "user"), text(node, "host"),
                node.hasNonNull("pid") ? number(node, "pid") : null);
    }

    public static ObjectNode summary(DeploymentSummary summary) {
        ObjectNode node = StateJson.nodes().objectNode();
        if (!summary.counts().isEmpty()) {
            ObjectNode counts = node.putObject("counts");
            summary.counts().forEach(counts::put);
        }
        putIfPresent(node, "error", summary.error());
        return node;
    }

    public static DeploymentSummary summary(JsonNode node) {
        Map<String, Long> counts = new LinkedHashMap<>();
        JsonNode c = node.get("counts");
        if (c != null && !c.isNull()) {
            if (!c.isObject()) {
                throw new IllegalArgumentException("summary.counts is not an object");
            }
            c.fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
        }
        return new DeploymentSummary(counts, text(node, "error"));
    }

    /** The public record: never a token. */
    public static ObjectNode record(DeploymentRecord record) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("stack", record.scope().stack());
        node.put("stage", record.scope().stage());
        node.put("version", record.version());
        node.set("meta", meta(record.meta()));
        node.put("startedAt", record.startedAt().toEpochMilli());
        node.put("heartbeatAt", record.heartbeatAt().toEpochMilli());
        if (record.endedAt() != null) {
            node.put("endedAt", record.endedAt().toEpochMilli());
        }
        if (record.outcome() != null) {
            node.put("outcome", record.outcome().wireName());
        }
        if (record.summary() != null) {
            node.set("summary", summary(record.summary()));
        }
        if (record.ttl() != null) {
            node.put("ttlMillis", record.ttl().toMillis());
        }
        node.put("lastSeq", record.lastSeq());
        if (record.journalPruned()) {
            node.put("journalPruned", true);
        }
        return node;
    }

    public static DeploymentRecord record(JsonNode node) {
        ScopeId scope = new ScopeId(requiredText(node, "stack"), requiredText(node, "stage"));
        JsonNode meta = node.get("meta");
        if (meta == null || !meta.isObject()) {
            throw new IllegalArgumentException("no meta");
        }
        JsonNode summary = node.get("summary");
        String outcome = text(node, "outcome");
        return new DeploymentRecord(scope, requiredNumber(node, "version"), meta(meta),
                Instant.ofEpochMilli(requiredNumber(node, "startedAt")),
                Instant.ofEpochMilli(requiredNumber(node, "heartbeatAt")),
                node.hasNonNull("endedAt") ? Instant.ofEpochMilli(number(node, "endedAt")) : null,
                outcome == null ? null : DeploymentOutcome.fromWireName(outcome),
                summary == null || summary.isNull() ? null : summary(summary),
                node.hasNonNull("ttlMillis") ? Duration.ofMillis(number(node, "ttlMillis")) : null,
                node.hasNonNull("lastSeq") ? number(node, "lastSeq") : 0,
                node.path("journalPruned").asBoolean(false));
    }

    public static ObjectNode event(DeploymentEvent event) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("seq", event.seq());
        node.put("ts", event.ts().toEpochMilli());
        putIfPresent(node, "fqn", event.fqn());
        node.set("payload", event.payload());
        return node;
    }

    public static DeploymentEvent event(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("an event is an object");
        }
        return new DeploymentEvent(requiredNumber(node, "seq"), Instant.ofEpochMilli(requiredNumber(node, "ts")),
                text(node, "fqn"), node.get("payload"));
    }

    public static ArrayNode events(List<DeploymentEvent> events) {
        ArrayNode array = StateJson.nodes().arrayNode();
        events.forEach(e -> array.add(event(e)));
        return array;
    }

    public static List<DeploymentEvent> events(JsonNode array) {
        if (!array.isArray()) {
            throw new IllegalArgumentException("events are an array");
        }
        List<DeploymentEvent> events = new ArrayList<>();
        array.forEach(e -> events.add(event(e)));
        return events;
    }

    private static void putIfPresent(ObjectNode node, String field, @Nullable String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static @Nullable String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(field + " is not a string");
        }
        return value.textValue();
    }

    private static String requiredText(JsonNode node, String field) {
        String value = text(node, field);
        if (value == null) {
            throw new IllegalArgumentException("no " + field);
        }
        return value;
    }

    private static long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isNumber() || !value.canConvertToLong()) {
            throw new IllegalArgumentException(field + " is not a whole number");
        }
        return value.asLong();
    }

    private static long requiredNumber(JsonNode node, String field) {
        if (!node.hasNonNull(field)) {
            throw new IllegalArgumentException("no " + field);
        }
        return number(node, field);
    }
}
