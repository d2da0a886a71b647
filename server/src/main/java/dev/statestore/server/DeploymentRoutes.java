package dev.statestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.CorruptStateException;
import dev.statestore.DeploymentInProgressException;
import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentNotFoundException;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.DeploymentSummary;
import dev.statestore.DeploymentTokenInvalidException;
import dev.statestore.Deployments;
import dev.statestore.StateScope;
import dev.statestore.server.StateApiHandler.Refused;
import dev.statestore.server.StateApiHandler.Response;
import dev.statestore.spi.DeploymentJson;
import dev.statestore.spi.StateJson;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The deployment routes of Alchemy's HTTP state API ({@code HttpStateApi.ts}): bodies, status codes and error shapes
 * as its client decodes them ({@code _tag} names the error), over the scope's {@link Deployments}.
 */
final class DeploymentRoutes {

    private DeploymentRoutes() {}

    static Response serve(String route, String method, StateScope scope, String[] path, @Nullable JsonNode body,
            Map<String, String> query) {
        Deployments deployments = scope.deployments();
        long version = route.equals("DEPLOYMENTS") ? 0 : version(path[7]);
        try {
            switch (route) {
                case "DEPLOYMENTS" -> {
                    if (method.equals("GET")) {
                        Long before = query.containsKey("before") ? number(query.get("before"), "before") : null;
                        int limit = query.containsKey("limit") ? (int) Math.min(Deployments.MAX_LIST,
                                Math.max(1, number(query.get("limit"), "limit"))) : Deployments.MAX_LIST;
                        ArrayNode records = StateJson.nodes().arrayNode();
                        deployments.list(before, limit).forEach(r -> records.add(DeploymentJson.record(r)));
                        return Response.json(200, records);
                    }
                    JsonNode meta = require(body, "meta");
                    Duration ttl = body.hasNonNull("ttlMillis") ? Duration.ofMillis(whole(body, "ttlMillis"))
                            : Deployments.DEFAULT_TTL;
                    DeploymentLease lease;
                    try {
                        lease = body.hasNonNull("supersede")
                                ? deployments.begin(DeploymentJson.meta(meta), ttl, whole(body, "supersede"))
                                : deployments.begin(DeploymentJson.meta(meta), ttl);
                    } catch (IllegalArgumentException e) {
                        throw Refused.of(400, "invalid", "meta: " + e.getMessage());
                    }
                    ObjectNode node = StateJson.nodes().objectNode();
                    node.put("version", lease.version());
                    node.put("token", lease.token());
                    if (lease.tookOver() != null) {
                        node.put("tookOver", lease.tookOver()); // this server's addition: Alchemy's client ignores it
                    }
                    return Response.json(200, node);
                }
                case "DEPLOYMENT" -> {
                    Optional<DeploymentRecord> record = deployments.get(version);
                    return record.isEmpty() ? Response.empty(200) : Response.json(200, DeploymentJson.record(record.get()));
                }
                case "EVENTS" -> {
                    if (method.equals("GET")) {
                        long from = query.containsKey("fromSeq") ? number(query.get("fromSeq"), "fromSeq") : 1;
                        return Response.json(200, DeploymentJson.events(deployments.readEvents(version, from)));
                    }
                    JsonNode events = require(body, "events");
                    long acked;
                    try {
                        acked = deployments.appendEvents(version, token(body), DeploymentJson.events(events));
                    } catch (IllegalArgumentException e) {
                        throw Refused.of(400, "invalid", "events: " + e.getMessage());
                    }
                    ObjectNode node = StateJson.nodes().objectNode();
                    node.put("ackedSeq", acked);
                    return Response.json(200, node);
                }
                case "HEARTBEAT" -> {
                    deployments.heartbeat(version, token(body));
                    return Response.empty(204);
                }
                case "END" -> {
                    DeploymentOutcome outcome;
                    try {
                        outcome = DeploymentOutcome.fromWireName(require(body, "outcome").asText());
                    } catch (IllegalArgumentException e) {
                        throw Refused.of(400, "invalid", e.getMessage());
                    }
                    JsonNode summary = body.get("summary");
                    DeploymentSummary parsed;
                    try {
                        parsed = summary == null || summary.isNull() ? null : DeploymentJson.summary(summary);
                    } catch (IllegalArgumentException e) {
                        throw Refused.of(400, "invalid", "summary: " + e.getMessage());
                    }
                    deployments.end(version, token(body), outcome, parsed);
                    return Response.empty(204);
                }
                default -> throw new IllegalStateException(route);
            }
        } catch (DeploymentInProgressException | DeploymentTokenInvalidException | DeploymentNotFoundException
                | CorruptStateException e) {
            return error(e);
        }
    }

    /** The answer Alchemy's client decodes for an error of the deployment routes (and of the history's). */
    static Response error(dev.statestore.StateStoreException error) {
        if (error instanceof DeploymentInProgressException e) {
            ObjectNode node = tagged("DeploymentInProgress", e.getMessage(), e.holderRecord().scope().stack(),
                    e.holderRecord().scope().stage());
            node.set("holder", DeploymentJson.record(e.holderRecord()));
            return Response.json(409, node);
        }
        if (error instanceof DeploymentTokenInvalidException e) {
            ObjectNode node = tagged("DeploymentTokenInvalid", e.getMessage(), e.scope().stack(), e.scope().stage());
            node.put("version", e.version());
            return Response.json(403, node);
        }
        if (error instanceof DeploymentNotFoundException e) {
            ObjectNode node = tagged("DeploymentNotFound", e.getMessage(), e.scope().stack(), e.scope().stage());
            node.put("version", e.version());
            return Response.json(410, node);
        }
        if (error instanceof CorruptStateException e) {
            ObjectNode node = StateApiHandler.error("corrupt", e.getMessage());
            node.put("_tag", "DeploymentCorrupt");
            node.put("location", e.location());
            return Response.json(422, node);
        }
        throw error;
    }

    /** Alchemy's tagged error, with this server's {@code error} and {@code message} beside it. */
    static ObjectNode tagged(String tag, String message, String stack, String stage) {
        ObjectNode node = StateApiHandler.error(tag, message);
        node.put("_tag", tag);
        node.put("stack", stack);
        node.put("stage", stage);
        return node;
    }

    static long version(String segment) {
        try {
            return Long.parseLong(StateApiHandler.decode(segment, false));
        } catch (NumberFormatException e) {
            throw Refused.of(400, "invalid", "a deployment's version is a whole number");
        }
    }

    static long number(String value, String name) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw Refused.of(400, "invalid", name + " is a whole number");
        }
    }

    static JsonNode require(@Nullable JsonNode body, String field) {
        JsonNode value = body == null ? null : body.get(field);
        if (value == null || value.isNull()) {
            throw Refused.of(400, "invalid", "the body needs \"" + field + "\"");
        }
        return value;
    }

    static long whole(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (!value.isNumber() || !value.canConvertToLong() || value.asDouble() != Math.rint(value.asDouble())) {
            throw Refused.of(400, "invalid", field + " is a whole number");
        }
        return value.asLong();
    }

    private static String token(@Nullable JsonNode body) {
        JsonNode token = require(body, "token");
        if (!token.isTextual()) {
            throw Refused.of(400, "invalid", "the token is a string");
        }
        return token.textValue();
    }
}
