package dev.statestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.CorruptStateException;
import dev.statestore.DeploymentInProgressException;
import dev.statestore.DeploymentNotFoundException;
import dev.statestore.History;
import dev.statestore.HistoryNotKeptException;
import dev.statestore.RestoreIncompleteException;
import dev.statestore.StateChange;
import dev.statestore.StateScope;
import dev.statestore.server.StateApiHandler.Refused;
import dev.statestore.server.StateApiHandler.Response;
import dev.statestore.spi.DeploymentJson;
import dev.statestore.spi.HistoryJson;
import dev.statestore.spi.StateJson;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * This server's history routes (not in Alchemy's API), over the scope's {@link History}; JSON as
 * {@link HistoryJson} writes it:
 *
 * <pre>
 * GET  .../history[?fqn=F | ?output=true]   every change kept of the scope, of one record or of the stack output,
 *                                           each key's oldest first
 * GET  .../history/{v}                      the scope at the end of deployment v
 * GET  .../deployments/{v}/changes          the changes deployment v made
 * GET  .../diff?from=V[&amp;to=W]              what changed from the end of V to the end of W (to now without to)
 * POST .../restore  {"to": V, "initiator": {...}}   restores the scope to the end of V, as a deployment
 * </pre>
 *
 * Errors: 410 {@code HistoryNotKept} or {@code DeploymentNotFound}, 409 {@code DeploymentInProgress} or
 * {@code RestoreIncomplete}, as tagged errors.
 */
final class HistoryRoutes {

    private HistoryRoutes() {}

    static Response serve(String route, StateScope scope, String[] path, @Nullable JsonNode body,
            Map<String, String> query) {
        History history = scope.history();
        try {
            switch (route) {
                case "HISTORY" -> {
                    ArrayNode changes = StateJson.nodes().arrayNode();
                    if (query.containsKey("fqn")) {
                        addOldestFirst(changes, history.of(query.get("fqn")));
                    } else if ("true".equals(query.get("output"))) {
                        addOldestFirst(changes, history.ofOutput());
                    } else {
                        history.forEach(change -> changes.add(HistoryJson.change(change)));
                    }
                    return Response.json(200, changes);
                }
                case "HISTORY_AT" -> {
                    return Response.json(200, HistoryJson.snapshot(history.at(DeploymentRoutes.version(path[7]))));
                }
                case "CHANGES" -> {
                    ArrayNode changes = StateJson.nodes().arrayNode();
                    history.changes(DeploymentRoutes.version(path[7])).forEach(c -> changes.add(HistoryJson.change(c)));
                    return Response.json(200, changes);
                }
                case "DIFF" -> {
                    if (!query.containsKey("from")) {
                        throw Refused.of(400, "invalid", "a diff needs ?from=VERSION (and &to=VERSION, or now)");
                    }
                    Long to = query.containsKey("to") ? DeploymentRoutes.number(query.get("to"), "to") : null;
                    return Response.json(200, HistoryJson.diff(history.diff(
                            DeploymentRoutes.number(query.get("from"), "from"), to)));
                }
                case "RESTORE" -> {
                    long to = DeploymentRoutes.whole(DeploymentRoutes.require(body, "to"), "to");
                    return Response.json(200, HistoryJson.restore(history.restore(to,
                            DeploymentJson.initiator(body.get("initiator")), done -> { })));
                }
                default -> throw new IllegalStateException(route);
            }
        } catch (HistoryNotKeptException e) {
            return Response.json(410, DeploymentRoutes.tagged("HistoryNotKept", e.getMessage(), e.scope().stack(),
                    e.scope().stage()));
        } catch (RestoreIncompleteException e) {
            ObjectNode node = DeploymentRoutes.tagged("RestoreIncomplete", e.getMessage(), e.scope().stack(),
                    e.scope().stage());
            node.put("restoredTo", e.restoredTo());
            node.put("deployment", e.deployment());
            node.put("applied", e.applied());
            node.put("planned", e.planned());
            return Response.json(409, node);
        } catch (DeploymentInProgressException | DeploymentNotFoundException | CorruptStateException e) {
            return DeploymentRoutes.error(e);
        }
    }

    private static void addOldestFirst(ArrayNode array, List<StateChange> newestFirst) {
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            array.add(HistoryJson.change(newestFirst.get(i)));
        }
    }
}
