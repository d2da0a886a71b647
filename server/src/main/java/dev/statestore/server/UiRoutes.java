package dev.statestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.DeploymentRecord;
import dev.statestore.History;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateChange;
import dev.statestore.StateDiff;
import dev.statestore.StateNotFoundException;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.Versioned;
import dev.statestore.server.StateApiHandler.Refused;
import dev.statestore.server.StateApiHandler.Response;
import dev.statestore.spi.HistoryJson;
import dev.statestore.spi.StateJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The read-only web UI under {@code /ui/}: its pages and script from the jar (the graph library too: nothing is
 * fetched from anywhere else), and the JSON they read under {@code /ui/api/}, behind the token or the read-only token.
 *
 * <p>Secrets never reach the browser: every document is sent with the values Alchemy tagged as secrets replaced by
 * {@code "(hidden)"} ({@link ResourceState#toMaskedJsonNode()}), and diffs leave their values out.
 */
final class UiRoutes {

    private static final String PAGES = "/dev/statestore/server/ui/";
    private static final String CYTOSCAPE = cytoscapePath();
    /** The newest deployments a stage page shows. */
    private static final int DEPLOYMENTS_SHOWN = 100;

    private final StateStore store;

    UiRoutes(StateStore store) {
        this.store = store;
    }

    /** The webjar's own path of the minified script, by the version its Maven metadata names. */
    private static String cytoscapePath() {
        try (InputStream in = UiRoutes.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/cytoscape/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the cytoscape webjar is not on the class path");
            }
            Properties properties = new Properties();
            properties.load(in);
            return "/META-INF/resources/webjars/cytoscape/" + properties.getProperty("version") + "/dist/cytoscape.min.js";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Response serve(String method, String[] path, String rawQuery) {
        if (!method.equals("GET")) {
            return Response.empty(405).with("Allow", "GET");
        }
        if (path.length == 2) {
            return Response.empty(302).with("Location", "/ui/");
        }
        String first = path[2];
        if (path.length == 3) {
            return switch (first) {
                case "" -> resource("index.html", "text/html; charset=utf-8");
                case "app.js" -> resource("app.js", "text/javascript; charset=utf-8");
                case "app.css" -> resource("app.css", "text/css; charset=utf-8");
                default -> Response.empty(404);
            };
        }
        if (first.equals("vendor") && path.length == 4 && path[3].equals("cytoscape.min.js")) {
            return file(CYTOSCAPE, "text/javascript; charset=utf-8");
        }
        if (first.equals("api")) {
            return api(path, StateApiHandler.query(rawQuery));
        }
        return Response.empty(404);
    }

    private static Response resource(String name, String type) {
        return file(PAGES + name, type);
    }

    private static Response file(String classpath, String type) {
        try (InputStream in = UiRoutes.class.getResourceAsStream(classpath)) {
            if (in == null) {
                return Response.empty(404);
            }
            return new Response(200, new LinkedHashMap<>(Map.of("Content-Type", type,
                    // Only what the server sends may run or load: no CDN, no other origin, no inline script.
                    "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
                    "Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff")), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- /ui/api/ ---------------------------------------------------------------------------------

    /**
     * {@code stacks}, {@code stacks/S/stages/T}, {@code .../resource?fqn=}, {@code .../resource-diff?fqn=&from=&to=},
     * {@code .../deployments}, {@code .../deployments/V}.
     */
    private Response api(String[] path, Map<String, String> query) {
        if (path.length == 4 && path[3].equals("stacks")) {
            return Response.json(200, stacks());
        }
        if (path.length < 7 || !path[3].equals("stacks") || !path[5].equals("stages")) {
            return Response.empty(404);
        }
        StateScope scope = store.scope(StateApiHandler.segment(path[4]), StateApiHandler.segment(path[6]));
        if (path.length == 7) {
            return Response.json(200, stage(scope));
        }
        String what = path[7];
        if (path.length == 8 && what.equals("resource")) {
            return Response.json(200, resource(scope, required(query, "fqn")));
        }
        if (path.length == 8 && what.equals("resource-diff")) {
            return Response.json(200, resourceDiff(scope, required(query, "fqn"), number(required(query, "from")),
                    number(required(query, "to"))));
        }
        if (path.length == 8 && what.equals("deployments")) {
            ArrayNode list = StateJson.nodes().arrayNode();
            scope.deployments().list(null, DEPLOYMENTS_SHOWN).forEach(d -> list.add(deployment(d)));
            return Response.json(200, list);
        }
        if (path.length == 9 && what.equals("deployments")) {
            return Response.json(200, deploymentChanges(scope, number(StateApiHandler.segment(path[8]))));
        }
        return Response.empty(404);
    }

    private static String required(Map<String, String> query, String name) {
        String value = query.get(name);
        if (value == null || value.isEmpty()) {
            throw Refused.of(400, "invalid", "the query parameter '" + name + "' is required");
        }
        return value;
    }

    private static long number(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw Refused.of(400, "invalid", "'" + text + "' is not a version");
        }
    }

    private ArrayNode stacks() {
        ArrayNode stacks = StateJson.nodes().arrayNode();
        for (String stack : store.stacks()) {
            ObjectNode s = stacks.addObject();
            s.put("stack", stack);
            ArrayNode stages = s.putArray("stages");
            for (String stage : store.stages(stack)) {
                StateScope scope = store.scope(stack, stage);
                ObjectNode t = stages.addObject();
                t.put("stage", stage);
                List<Versioned<ResourceState>> records = scope.listAll();
                t.put("total", records.size());
                t.set("counts", counts(records));
                live(scope).ifPresent(d -> t.set("live", deployment(d)));
            }
        }
        return stacks;
    }

    private static ObjectNode counts(List<Versioned<ResourceState>> records) {
        Map<String, Integer> counts = new TreeMap<>();
        records.forEach(r -> counts.merge(r.value().status().wireName(), 1, Integer::sum));
        ObjectNode node = StateJson.nodes().objectNode();
        counts.forEach(node::put);
        return node;
    }

    private static Optional<DeploymentRecord> live(StateScope scope) {
        return scope.deployments().open().filter(d -> d.isLive(Instant.now()));
    }

    private static ObjectNode stage(StateScope scope) {
        List<Versioned<ResourceState>> records = scope.listAll();
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("stack", scope.id().stack());
        node.put("stage", scope.id().stage());
        node.put("history", scope.history().isKept());
        node.set("counts", counts(records));
        live(scope).ifPresent(d -> node.set("live", deployment(d)));
        ArrayNode list = node.putArray("records");
        for (Versioned<ResourceState> v : records) {
            ResourceState r = v.value();
            ObjectNode row = list.addObject();
            row.put("fqn", r.fqn());
            row.put("type", r.resourceType().or(r::actionType).orElse(""));
            row.put("status", r.status().wireName());
            row.put("intermediate", r.status().isIntermediate() && r.status() != ResourceStatus.REPLACED);
            row.put("version", v.version());
            row.put("updatedAt", v.updatedAt().toString());
            ArrayNode downstream = row.putArray("downstream");
            r.downstream().forEach(downstream::add);
        }
        return node;
    }

    private static ObjectNode resource(StateScope scope, String fqn) {
        Versioned<ResourceState> current = scope.get(fqn).orElseThrow(() -> new StateNotFoundException(scope.id(), fqn));
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("fqn", fqn);
        node.put("version", current.version());
        node.put("updatedAt", current.updatedAt().toString());
        node.set("document", current.value().toMaskedJsonNode());
        ArrayNode changes = node.putArray("changes");
        History history = scope.history();
        if (history.isKept()) {
            for (StateChange change : history.of(fqn)) {
                ObjectNode c = changes.addObject();
                c.put("version", change.version());
                c.put("at", change.at().toString());
                c.put("deployment", change.deployment());
                c.put("who", change.initiator() == null ? "" : change.initiator().describe());
                c.put("deleted", change.isDeletion());
                if (change.record() != null) {
                    c.put("status", change.record().status().wireName());
                }
            }
        }
        return node;
    }

    /** The fields that differ between two kept versions of a record, secrets' values left out. */
    private static ObjectNode resourceDiff(StateScope scope, String fqn, long from, long to) {
        Map<Long, JsonNode> documents = new TreeMap<>();
        for (StateChange change : scope.history().of(fqn)) {
            if (change.record() != null) {
                documents.put(change.version(), change.record().toJsonNode());
            }
        }
        JsonNode before = documents.get(from);
        JsonNode after = documents.get(to);
        if (before == null || after == null) {
            throw Refused.of(404, "not-found", "the history of '" + fqn + "' keeps no version " + (before == null ? from : to));
        }
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("fqn", fqn);
        node.put("from", from);
        node.put("to", to);
        node.set("fields", HistoryJson.fieldChanges(StateDiff.between(before, after)));
        return node;
    }

    private static ObjectNode deployment(DeploymentRecord d) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("version", d.version());
        node.put("command", d.meta().command());
        node.put("who", d.meta().initiator() == null ? "" : d.meta().initiator().describe());
        if (d.meta().note() != null) {
            node.put("note", d.meta().note());
        }
        node.put("startedAt", d.startedAt().toString());
        if (d.endedAt() != null) {
            node.put("endedAt", d.endedAt().toString());
        }
        node.put("outcome", d.outcome() == null ? "open" : d.outcome().name().toLowerCase(java.util.Locale.ROOT));
        ObjectNode counts = node.putObject("counts");
        if (d.summary() != null) {
            d.summary().counts().forEach(counts::put);
        }
        return node;
    }

    /** What deployment {@code version} changed, and the diff of the scope across it where the history has both ends. */
    private static ObjectNode deploymentChanges(StateScope scope, long version) {
        DeploymentRecord record = scope.deployments().get(version)
                .orElseThrow(() -> new dev.statestore.DeploymentNotFoundException(scope.id(), version));
        ObjectNode node = deployment(record);
        ArrayNode changes = node.putArray("changes");
        History history = scope.history();
        if (!history.isKept()) {
            return node;
        }
        for (StateChange change : history.changes(version)) {
            ObjectNode c = changes.addObject();
            c.put("fqn", change.subject());
            c.put("version", change.version());
            c.put("deleted", change.isDeletion());
        }
        if (version > 1) {
            try {
                node.set("diff", HistoryJson.diff(history.diff(version - 1, version)));
            } catch (dev.statestore.HistoryNotKeptException | dev.statestore.DeploymentNotFoundException e) {
                node.put("diffUnavailable", e.getMessage());
            }
        }
        return node;
    }
}
