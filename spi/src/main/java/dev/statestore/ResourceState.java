package dev.statestore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.internal.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One record: the JSON document Alchemy persists for a resource or an action, kept whole.
 *
 * <p>Immutable: the document is copied in and every JSON value handed out is a copy. Typed accessors
 * cover the fields Alchemy defines; {@link #get(String)} and {@link #toBuilder()} reach any other, and
 * a field this library does not know survives a read-modify-write untouched, in its place. Tagged
 * values ({@code {"__redacted__": …}}, {@code {"__date__": …}}, {@code {"__duration__": …}}) are
 * ordinary JSON here.
 *
 * <p>A record has a readable {@code fqn} (see {@link StateNames#requireReadableFqn}; a store writes only those that
 * are valid, {@link StateNames#fqnProblem}) and a {@code status} that
 * {@link ResourceStatus} knows. {@code toString()} names the record but never prints its inputs or
 * outputs, which may hold secrets.
 */
public final class ResourceState {

    private final String fqn;
    private final ResourceStatus status;
    private final ObjectNode document;
    private volatile String compactJson;

    private ResourceState(ObjectNode owned) {
        JsonNode fqnNode = owned.get("fqn");
        if (fqnNode == null || !fqnNode.isTextual()) {
            throw new InvalidStateException("a record needs a string field 'fqn'");
        }
        this.fqn = StateNames.requireReadableFqn(fqnNode.textValue());
        JsonNode statusNode = owned.get("status");
        if (statusNode == null || !statusNode.isTextual()) {
            throw new InvalidStateException("record '" + fqn + "' needs a string field 'status'");
        }
        this.status = ResourceStatus.fromWireName(statusNode.textValue())
                .orElseThrow(() -> new InvalidStateException("record '" + fqn + "' has an unknown status '"
                        + statusNode.textValue() + "'"));
        this.document = owned;
    }

    /**
     * The record held by {@code document}, which is copied.
     *
     * @throws InvalidStateException if the document has no readable {@code fqn} or a status not in {@link ResourceStatus}
     */
    public static ResourceState of(ObjectNode document) {
        return new ResourceState(Objects.requireNonNull(document, "document").deepCopy());
    }

    /**
     * Parses a record from its JSON text.
     *
     * @throws InvalidStateException if the text is not a JSON object that is a valid record
     */
    public static ResourceState fromJson(String json) {
        JsonNode node;
        try {
            node = Json.parse(json);
        } catch (JsonProcessingException e) {
            throw new InvalidStateException("not valid JSON: " + e.getOriginalMessage());
        }
        if (!node.isObject()) {
            throw new InvalidStateException("a record is a JSON object, not " + node.getNodeType());
        }
        return new ResourceState((ObjectNode) node);
    }

    /** A builder for a new resource record with {@code kind: "resource"}, the fqn and the status. */
    public static Builder builder(String fqn, ResourceStatus status) {
        ObjectNode node = Json.nodes().objectNode();
        node.put("kind", status == ResourceStatus.RUNNING || status == ResourceStatus.RAN ? "action" : "resource");
        node.put("fqn", StateNames.requireValidFqn(fqn));
        node.put("status", status.wireName());
        return new Builder(node);
    }

    /** A builder that starts from this record's whole document. */
    public Builder toBuilder() {
        return new Builder(document.deepCopy());
    }

    public String fqn() {
        return fqn;
    }

    public ResourceStatus status() {
        return status;
    }

    /** {@code kind}: {@code "resource"}, {@code "action"}, or empty on old records. */
    public Optional<String> kind() {
        return text("kind");
    }

    /** Whether this record is an action ({@code kind: "action"}). */
    public boolean isAction() {
        return "action".equals(kind().orElse(null));
    }

    public Optional<String> resourceType() {
        return text("resourceType");
    }

    public Optional<String> namespace() {
        return text("namespace");
    }

    public Optional<String> logicalId() {
        return text("logicalId");
    }

    public Optional<String> instanceId() {
        return text("instanceId");
    }

    public OptionalLong providerVersion() {
        JsonNode n = document.get("providerVersion");
        return n != null && n.canConvertToLong() && n.isIntegralNumber() ? OptionalLong.of(n.longValue()) : OptionalLong.empty();
    }

    /** The fqns of the records that depend on this one; empty if absent. */
    public List<String> downstream() {
        JsonNode n = document.get("downstream");
        List<String> result = new ArrayList<>();
        if (n != null && n.isArray()) {
            n.forEach(e -> result.add(e.asText()));
        }
        return List.copyOf(result);
    }

    /** Data attached by policies and event sources. */
    public Optional<JsonNode> bindings() {
        return copy("bindings");
    }

    /** The inputs. */
    public Optional<JsonNode> props() {
        return copy("props");
    }

    /** The outputs. */
    public Optional<JsonNode> attr() {
        return copy("attr");
    }

    public Optional<String> removalPolicy() {
        return text("removalPolicy");
    }

    public Optional<String> providerMode() {
        return text("providerMode");
    }

    /**
     * {@code old}: while {@code updating}, the previous {@code {props, bindings, attr}}; while
     * {@code replacing} or {@code replaced}, the previous generation, itself a record (see
     * {@link #previousGeneration()}).
     */
    public Optional<JsonNode> old() {
        return copy("old");
    }

    /** The previous generation of a {@code replacing} or {@code replaced} record, if {@code old} is a full record. */
    public Optional<ResourceState> previousGeneration() {
        JsonNode old = document.get("old");
        if (old == null || !old.isObject() || !old.has("fqn") || !old.has("status")) {
            return Optional.empty();
        }
        return Optional.of(ResourceState.of((ObjectNode) old));
    }

    public Optional<Boolean> adopting() {
        return bool("adopting");
    }

    public Optional<Boolean> deleteFirst() {
        return bool("deleteFirst");
    }

    public Optional<String> actionType() {
        return text("actionType");
    }

    public Optional<String> inputHash() {
        return text("inputHash");
    }

    /** An action's input. */
    public Optional<JsonNode> input() {
        return copy("input");
    }

    /** An action's output. */
    public Optional<JsonNode> output() {
        return copy("output");
    }

    /** Any top-level field, copied; empty if absent (a JSON {@code null} is present). */
    public Optional<JsonNode> get(String field) {
        return copy(field);
    }

    /** Whether the document has the top-level field, even with a {@code null} value. */
    public boolean has(String field) {
        return document.has(field);
    }

    /** The whole document, copied. */
    public ObjectNode toJsonNode() {
        return document.deepCopy();
    }

    /**
     * The whole document, copied, with the value of every secret Alchemy tagged ({@code {"__redacted__": …}},
     * {@code {"__secret__": …}}) replaced by {@code "(hidden)"}: what may be shown to people.
     */
    public ObjectNode toMaskedJsonNode() {
        return (ObjectNode) dev.statestore.internal.Secrets.masked(document);
    }

    /** The whole document as compact JSON. */
    public String toJson() {
        String json = compactJson;
        if (json == null) {
            json = Json.compact(document);
            compactJson = json;
        }
        return json;
    }

    private Optional<String> text(String field) {
        JsonNode n = document.get(field);
        return n != null && n.isTextual() ? Optional.of(n.textValue()) : Optional.empty();
    }

    private Optional<Boolean> bool(String field) {
        JsonNode n = document.get(field);
        return n != null && n.isBoolean() ? Optional.of(n.booleanValue()) : Optional.empty();
    }

    private Optional<JsonNode> copy(String field) {
        JsonNode n = document.get(field);
        return n == null ? Optional.empty() : Optional.of(n.deepCopy());
    }

    /** Equal when the documents are the same JSON text: same fields, same order, same numbers as written. */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof ResourceState other && toJson().equals(other.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return "ResourceState[fqn=" + fqn + ", status=" + status.wireName()
                + resourceType().map(t -> ", resourceType=" + t).orElse("") + "]";
    }

    /**
     * Sets fields of a record. Setting a field that exists keeps its position in the document; a new
     * field goes at the end. Not thread-safe; {@link #build()} validates and copies.
     */
    public static final class Builder {

        private final ObjectNode node;

        private Builder(ObjectNode node) {
            this.node = node;
        }

        public Builder status(ResourceStatus status) {
            node.put("status", status.wireName());
            return this;
        }

        public Builder kind(String kind) {
            return text("kind", kind);
        }

        public Builder resourceType(String resourceType) {
            return text("resourceType", resourceType);
        }

        public Builder namespace(String namespace) {
            return text("namespace", namespace);
        }

        public Builder logicalId(String logicalId) {
            return text("logicalId", logicalId);
        }

        public Builder instanceId(String instanceId) {
            return text("instanceId", instanceId);
        }

        public Builder providerVersion(long providerVersion) {
            node.put("providerVersion", providerVersion);
            return this;
        }

        public Builder downstream(List<String> fqns) {
            var array = node.putArray("downstream");
            fqns.forEach(array::add);
            return this;
        }

        public Builder bindings(@Nullable JsonNode bindings) {
            return set("bindings", bindings);
        }

        public Builder props(@Nullable JsonNode props) {
            return set("props", props);
        }

        public Builder attr(@Nullable JsonNode attr) {
            return set("attr", attr);
        }

        public Builder removalPolicy(String removalPolicy) {
            return text("removalPolicy", removalPolicy);
        }

        public Builder providerMode(String providerMode) {
            return text("providerMode", providerMode);
        }

        public Builder old(@Nullable JsonNode old) {
            return set("old", old);
        }

        /** Sets {@code old} to a whole previous generation. */
        public Builder previousGeneration(ResourceState previous) {
            return set("old", previous.document);
        }

        public Builder adopting(boolean adopting) {
            node.put("adopting", adopting);
            return this;
        }

        public Builder deleteFirst(boolean deleteFirst) {
            node.put("deleteFirst", deleteFirst);
            return this;
        }

        public Builder actionType(String actionType) {
            return text("actionType", actionType);
        }

        public Builder inputHash(String inputHash) {
            return text("inputHash", inputHash);
        }

        public Builder input(@Nullable JsonNode input) {
            return set("input", input);
        }

        public Builder output(@Nullable JsonNode output) {
            return set("output", output);
        }

        /** Sets any top-level field to a copy of {@code value} (a Java {@code null} sets JSON {@code null}). */
        public Builder set(String field, @Nullable JsonNode value) {
            node.set(field, value == null ? Json.nodes().nullNode() : value.deepCopy());
            return this;
        }

        /** Removes a top-level field. */
        public Builder remove(String field) {
            node.remove(field);
            return this;
        }

        private Builder text(String field, String value) {
            node.put(field, Objects.requireNonNull(value, field));
            return this;
        }

        /** @throws InvalidStateException if the document is not a valid record */
        public ResourceState build() {
            return new ResourceState(node.deepCopy());
        }
    }
}
