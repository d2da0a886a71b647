package dev.statestore.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.statestore.CorruptStateException;
import dev.statestore.InvalidStateException;
import dev.statestore.LockConflictException;
import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.Page;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StackOutput;
import dev.statestore.StateConflictException;
import dev.statestore.StateScope;
import dev.statestore.ScopeId;
import dev.statestore.StateStore;
import dev.statestore.StateStoreException;
import dev.statestore.StateStoreClosedException;
import dev.statestore.StateStoreAuthenticationException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.StateStoreAccessDeniedException;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.Versioned;
import dev.statestore.spi.StateJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The routes of the HTTP state API over one store. Thread-safe. */
final class StateApiHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger("dev.statestore.server");

    /** What {@code /version} answers: the contract version Alchemy's clients check for. */
    static final int API_VERSION = 7;
    /** The version of this server's additions to Alchemy's API, which the {@code http(s)://} store requires. */
    static final int EXTENSIONS_VERSION = 1;
    static final String UPDATED_AT = "X-Statestore-Updated-At";
    static final String DELETED = "X-Statestore-Deleted";

    private static final Pattern BEARER = Pattern.compile("(?i)bearer +(.+)");
    private static final Pattern VERSION_TAG = Pattern.compile("(?:W/)?\"?([1-9][0-9]{0,17})\"?");
    private static final Pattern DECIMAL_LENGTH = Pattern.compile("[0-9]{1,18}");

    private final StateStore store;
    private final long maxBody;
    private final byte[] tokenDigest;
    /** The read-only token's digest, or null without one. */
    private final byte[] readTokenDigest;
    private final UiRoutes ui;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    /** The meters {@code /metrics} shows, or null when the server was started without metrics. */
    private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry metrics;
    private final boolean metricsOpen;
    /** Where each request is observed as a server span (OtlpTracing); a no-op registry without tracing. */
    private final io.micrometer.observation.ObservationRegistry requests;

    StateApiHandler(StateStore store, ServerOptions options, io.micrometer.prometheusmetrics.PrometheusMeterRegistry metrics,
            io.micrometer.observation.ObservationRegistry requests, LastVersions lastVersions) {
        this.requests = requests;
        this.lastVersions = lastVersions;
        this.store = store;
        this.maxBody = options.maxBodyBytes();
        this.tokenDigest = sha256(options.token());
        this.readTokenDigest = options.readToken() == null ? null : sha256(options.readToken());
        this.ui = new UiRoutes(store);
        this.metrics = metrics;
        this.metricsOpen = options.metrics() != null && options.metrics().open();
    }

    /**
     * The version a key's last write or deletion left, from the backend under the served store; empty where it cannot
     * say. A client that seals what it sends (encryption at rest) asks it before a put or a create, to seal the
     * document for the version it will have.
     */
    @FunctionalInterface
    interface LastVersions {
        java.util.OptionalLong of(ScopeId scope, dev.statestore.spi.StateKey key);
    }

    /** Asked on a read of a record or the stack output, answered with the version its last write or deletion left. */
    static final String LAST_VERSION = "X-Statestore-Last-Version";

    private final LastVersions lastVersions;

    /** A read's answer, with the key's last version when the request asks for it. */
    private Response withLastVersion(Response response, HttpExchange exchange, ScopeId scope, dev.statestore.spi.StateKey key) {
        if (exchange.getRequestHeaders().getFirst(LAST_VERSION) != null) {
            lastVersions.of(scope, key).ifPresent(last -> response.with(LAST_VERSION, Long.toString(last)));
        }
        return response;
    }

    /** An answer: status, headers and body (null for none). */
    record Response(int status, Map<String, String> headers, byte[] body) {
        static Response json(int status, String json) {
            return new Response(status, new LinkedHashMap<>(Map.of("Content-Type", "application/json")),
                    json.getBytes(StandardCharsets.UTF_8));
        }

        static Response json(int status, JsonNode node) {
            return json(status, StateJson.compact(node));
        }

        static Response empty(int status) {
            return new Response(status, new LinkedHashMap<>(), null);
        }

        Response with(String header, String value) {
            headers.put(header, value);
            return this;
        }
    }

    /** A request answered with an error before or instead of reaching the store. */
    static final class Refused extends RuntimeException {
        final Response response;

        Refused(Response response) {
            super(null, null, false, false);
            this.response = response;
        }

        static Refused of(int status, String code, String message) {
            return new Refused(Response.json(status, error(code, message)));
        }
    }

    /** The shape of every error answer: {@code {"error": code, "message": …}}. */
    static ObjectNode error(String code, String message) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("error", code);
        node.put("message", message);
        return node;
    }

    void drain(Duration patience) {
        draining = true;
        long deadline = System.nanoTime() + patience.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        inFlight.incrementAndGet();
        // By route, never by path: a path names stacks, stages and records.
        Route route = route(exchange.getRequestURI().getRawPath().split("/", -1));
        String routeName = route == null ? "unknown" : route.name().toLowerCase(java.util.Locale.ROOT);
        io.micrometer.observation.Observation request = requests.isNoop() ? io.micrometer.observation.Observation.NOOP
                : io.micrometer.observation.Observation.createNotStarted("statestore.http.request",
                        () -> OtlpTracing.context(exchange), requests)
                .lowCardinalityKeyValue("method", exchange.getRequestMethod())
                .lowCardinalityKeyValue("route", routeName)
                .contextualName(exchange.getRequestMethod() + " " + routeName)
                .start();
        Response response;
        try (io.micrometer.observation.Observation.Scope scope = request.openScope()) {
            response = draining ? Response.json(503, error("unavailable", "the server is shutting down"))
                    : serve(exchange);
        } catch (Refused r) {
            response = r.response;
        } catch (RuntimeException e) {
            response = answer(e);
        }
        try {
            send(exchange, response);
        } finally {
            inFlight.decrementAndGet();
            request.lowCardinalityKeyValue("status", Integer.toString(response.status())).stop();
            if (metrics != null) {
                io.micrometer.core.instrument.Timer.builder("statestore.http.requests")
                        .description("requests served, by method, route and status")
                        .tag("method", exchange.getRequestMethod())
                        .tag("route", routeName)
                        .tag("status", Integer.toString(response.status()))
                        .register(metrics).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
            String query = exchange.getRequestURI().getRawQuery();
            LOG.info("{} {}{} {} {} ms", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    query == null ? "" : "?" + query, response.status(), (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** The store's failures as HTTP answers that the client turns back into the same exceptions. */
    private static Response answer(RuntimeException e) {
        if (e instanceof LockConflictException lock) {
            ObjectNode node = error("lock-conflict", e.getMessage());
            lock.holder().ifPresent(h -> node.set("holder", lockInfo(h)));
            return Response.json(409, node);
        }
        if (e instanceof StateConflictException conflict) {
            ObjectNode node = error("conflict", e.getMessage());
            node.put("expectedVersion", conflict.expectedVersion());
            if (conflict.currentVersion().isPresent()) {
                node.put("currentVersion", conflict.currentVersion().getAsLong());
                return Response.json(412, node).with("ETag", etag(conflict.currentVersion().getAsLong()));
            }
            node.putNull("currentVersion");
            return Response.json(412, node);
        }
        if (e instanceof InvalidStateException) {
            return Response.json(400, error("invalid", e.getMessage()));
        }
        if (e instanceof CorruptStateException corrupt) {
            ObjectNode node = error("corrupt", e.getMessage());
            node.put("location", corrupt.location());
            String prefix = "corrupt state at " + corrupt.location() + ": ";
            String message = e.getMessage();
            node.put("problem", message.startsWith(prefix) ? message.substring(prefix.length()) : message);
            return Response.json(500, node);
        }
        if (e instanceof StateStoreUnavailableException) {
            return Response.json(503, error("unavailable", e.getMessage()));
        }
        if (e instanceof StateStoreAccessDeniedException) {
            return Response.json(403, error("denied", e.getMessage()));
        }
        if (e instanceof StateStoreMisconfiguredException || e instanceof StateStoreAuthenticationException) {
            // The server's own store refused its setup or its credentials: the server's operator fixes that.
            return Response.json(500, error("misconfigured", e.getMessage()));
        }
        if (e instanceof StateStoreClosedException) {
            return Response.json(503, error("unavailable", e.getMessage()));
        }
        if (e instanceof StateStoreException) {
            return Response.json(500, error("backend", e.getMessage()));
        }
        LOG.error("a request failed", e);
        return Response.json(500, error("internal", "the server failed: " + e.getClass().getSimpleName()));
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
        try (exchange) {
            response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            if (response.body() == null || response.body().length == 0) {
                exchange.sendResponseHeaders(response.status(), -1);
            } else {
                exchange.sendResponseHeaders(response.status(), response.body().length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        }
    }

    private enum Route {
        VERSION, METRICS, STACKS, DIAGNOSE, STACK, STAGES, RESOURCES, RESOURCE, REPLACED, OUTPUT, RECORDS, LOCK, LEASE, ALL,
        DEPLOYMENTS, DEPLOYMENT, EVENTS, HEARTBEAT, END, HISTORY, HISTORY_AT, CHANGES, DIFF, RESTORE
    }

    private Response serve(HttpExchange exchange) {
        String method = exchange.getRequestMethod();
        String[] path = exchange.getRequestURI().getRawPath().split("/", -1);
        if (path.length >= 2 && path[0].isEmpty() && path[1].equals("ui")) {
            // The pages need no token (they hold no data); what they fetch, under /ui/api/, does: either token.
            if (path.length >= 3 && path[2].equals("api")) {
                authenticate(exchange);
            }
            return ui.serve(method, path, exchange.getRequestURI().getRawQuery());
        }
        Route route = route(path);
        if (route == null || !allows(route, method)) {
            return Response.empty(404);
        }
        if (route == Route.METRICS && metrics == null) {
            return Response.empty(404);
        }
        if (route != Route.VERSION && !(route == Route.METRICS && metricsOpen)) {
            authenticate(exchange);
        }
        switch (route) {
            case VERSION -> {
                ObjectNode node = StateJson.nodes().objectNode();
                node.put("version", API_VERSION);
                // Beyond Alchemy's API: versions, conditional writes, paged records, the lock (see docs/http-api.md).
                node.put("statestore", EXTENSIONS_VERSION);
                ArrayNode capabilities = node.putArray("capabilities").add("deployments");
                if (store.scope("version", "probe").history().isKept()) {
                    capabilities.add("history");
                }
                return Response.json(200, node);
            }
            case METRICS -> {
                return new Response(200, new LinkedHashMap<>(Map.of("Content-Type", "text/plain; version=0.0.4; charset=utf-8")),
                        metrics.scrape().getBytes(StandardCharsets.UTF_8));
            }
            case STACKS -> {
                return Response.json(200, strings(store.stacks()));
            }
            case DIAGNOSE -> {
                return Response.json(200, strings(store.diagnose()));
            }
            case STAGES -> {
                return Response.json(200, strings(store.stages(segment(path[3]))));
            }
            case STACK -> {
                return deleteStack(segment(path[3]), exchange.getRequestURI().getRawQuery());
            }
            default -> {
                StateScope scope = store.scope(segment(path[3]), segment(path[5]));
                if (route == Route.RESOURCE || route == Route.OUTPUT) {
                    String fence = query(exchange.getRequestURI().getRawQuery()).get("fence");
                    if (fence != null) {
                        scope = scope.fenced(fence(fence));
                    }
                }
                try {
                    return scoped(route, method, scope, path, exchange);
                } catch (StateWriteFencedException e) {
                    ObjectNode node = error("StateWriteFenced", e.getMessage());
                    node.put("_tag", "StateWriteFenced");
                    node.put("stack", e.scope().stack());
                    node.put("stage", e.scope().stage());
                    node.put("fence", e.fence());
                    return Response.json(412, node);
                }
            }
        }
    }

    private Response scoped(Route route, String method, StateScope scope, String[] path, HttpExchange exchange) {
        switch (route) {
            case RESOURCES -> {
                ArrayNode fqns = StateJson.nodes().arrayNode();
                scope.stream().forEach(v -> fqns.add(v.value().fqn()));
                return Response.json(200, fqns);
            }
            case REPLACED -> {
                return Response.json(200, "[" + String.join(",", scope.listReplaced().stream()
                        .map(v -> v.value().toJson()).toList()) + "]");
            }
            case RECORDS -> {
                return records(scope, query(exchange.getRequestURI().getRawQuery()));
            }
            case RESOURCE -> {
                // Alchemy's client encodes the fqn twice: once itself, once as any path segment.
                String fqn = decode(segment(path[7]), false);
                return resource(method, scope, fqn, exchange);
            }
            case OUTPUT -> {
                return output(method, scope, exchange);
            }
            case LOCK -> {
                return lock(method, scope, exchange);
            }
            case LEASE -> {
                return lease(method, scope, segment(path[7]), exchange);
            }
            case ALL -> {
                // The documents are copied in as they are stored, keyed by fqn.
                StringBuilder json = new StringBuilder("{");
                scope.stream().forEach(v -> json.append(json.length() == 1 ? "" : ",")
                        .append(StateJson.compact(StateJson.nodes().textNode(v.value().fqn()))).append(':')
                        .append(v.value().toJson()));
                return Response.json(200, json.append('}').toString());
            }
            case DEPLOYMENTS, DEPLOYMENT, EVENTS, HEARTBEAT, END -> {
                return DeploymentRoutes.serve(route.name(), method, scope, path, readBody(route, method, exchange),
                        query(exchange.getRequestURI().getRawQuery()));
            }
            case HISTORY, HISTORY_AT, CHANGES, DIFF, RESTORE -> {
                return HistoryRoutes.serve(route.name(), scope, path, readBody(route, method, exchange),
                        query(exchange.getRequestURI().getRawQuery()));
            }
            default -> throw new IllegalStateException(route.name());
        }
    }

    private Response resource(String method, StateScope scope, String fqn, HttpExchange exchange) {
        switch (method) {
            case "GET" -> {
                Optional<Versioned<ResourceState>> record = scope.get(fqn);
                return withLastVersion(record.isEmpty() ? Response.empty(200)
                        : versioned(record.get(), record.get().value().toJson()), exchange, scope.id(),
                        dev.statestore.spi.StateKey.record(fqn));
            }
            case "PUT" -> {
                JsonNode body = readJson(exchange);
                if (!body.isObject()) {
                    throw Refused.of(400, "invalid", "a record is a JSON object, not " + body.getNodeType());
                }
                ResourceState record = ResourceState.of((ObjectNode) body);
                if (!record.fqn().equals(fqn)) {
                    throw Refused.of(400, "invalid", "the document's fqn is not the one of the path");
                }
                long condition = condition(exchange);
                Versioned<ResourceState> written = condition == 0 ? scope.create(record)
                        : condition > 0 ? scope.update(record, condition) : scope.put(record);
                return versioned(written, written.value().toJson());
            }
            default -> {
                long condition = deleteCondition(exchange);
                boolean deleted;
                if (condition > 0) {
                    scope.delete(fqn, condition);
                    deleted = true;
                } else {
                    deleted = scope.delete(fqn);
                }
                return Response.empty(204).with(DELETED, Boolean.toString(deleted));
            }
        }
    }

    private Response output(String method, StateScope scope, HttpExchange exchange) {
        switch (method) {
            case "GET" -> {
                Optional<Versioned<StackOutput>> output = scope.output();
                return withLastVersion(output.isEmpty() ? Response.empty(200)
                        : versioned(output.get(), output.get().value().toJson()), exchange, scope.id(),
                        dev.statestore.spi.StateKey.output());
            }
            case "PUT" -> {
                JsonNode body = readJson(exchange);
                if (body.isNull()) {
                    throw Refused.of(400, "invalid", "a stack output is a JSON value other than null");
                }
                StackOutput output = StackOutput.of(body);
                long condition = condition(exchange);
                Versioned<StackOutput> written = condition == 0 ? scope.createOutput(output)
                        : condition > 0 ? scope.updateOutput(output, condition) : scope.putOutput(output);
                return versioned(written, written.value().toJson());
            }
            default -> {
                if (deleteCondition(exchange) > 0) {
                    throw Refused.of(400, "invalid", "deleting the stack output takes no If-Match");
                }
                return Response.empty(204).with(DELETED, Boolean.toString(scope.deleteOutput()));
            }
        }
    }

    private Response records(StateScope scope, Map<String, String> query) {
        ObjectNode result = StateJson.nodes().objectNode();
        ArrayNode items = result.putArray("items");
        List<Versioned<ResourceState>> records;
        String statuses = query.get("status");
        if (statuses != null) {
            Set<ResourceStatus> wanted = EnumSet.noneOf(ResourceStatus.class);
            for (String name : statuses.split(",")) {
                wanted.add(ResourceStatus.fromWireName(name).orElseThrow(() -> Refused.of(400, "invalid",
                        "unknown status '" + name + "'")));
            }
            records = scope.listByStatus(wanted);
        } else {
            int limit;
            try {
                limit = Integer.parseInt(query.getOrDefault("limit", Integer.toString(StateScope.MAX_PAGE_SIZE)));
            } catch (NumberFormatException e) {
                throw Refused.of(400, "invalid", "limit is a number from 1 to " + StateScope.MAX_PAGE_SIZE);
            }
            Page<Versioned<ResourceState>> page = scope.list(query.get("after"), limit);
            records = page.items();
            page.nextAfter().ifPresent(next -> result.put("nextAfter", next));
        }
        // The documents are copied in as they are stored, not re-encoded.
        StringBuilder json = new StringBuilder("{\"items\":[");
        for (int i = 0; i < records.size(); i++) {
            Versioned<ResourceState> v = records.get(i);
            json.append(i == 0 ? "" : ",").append("{\"version\":").append(v.version()).append(",\"updatedAt\":\"")
                    .append(v.updatedAt()).append("\",\"state\":").append(v.value().toJson()).append('}');
        }
        json.append(']');
        if (result.has("nextAfter")) {
            json.append(",\"nextAfter\":").append(StateJson.compact(result.get("nextAfter")));
        }
        return Response.json(200, json.append('}').toString());
    }

    private Response lock(String method, StateScope scope, HttpExchange exchange) {
        switch (method) {
            case "GET" -> {
                Optional<LockInfo> info = scope.lockInfo();
                return info.isEmpty() ? Response.empty(200) : Response.json(200, lockInfo(info.get()));
            }
            case "POST" -> {
                JsonNode body = readJson(exchange);
                JsonNode owner = body.get("owner");
                if (owner == null || !owner.isTextual()) {
                    throw Refused.of(400, "invalid", "taking the lock needs {\"owner\": string, \"ttlMillis\": number}");
                }
                LockLease lease = scope.acquireLock(owner.textValue(), ttl(body));
                ObjectNode node = lockInfo(lease.info());
                node.put("lockId", lease.lockId());
                return Response.json(200, node);
            }
            default -> {
                return Response.empty(204).with(DELETED, Boolean.toString(scope.forceReleaseLock()));
            }
        }
    }

    private Response lease(String method, StateScope scope, String lockId, HttpExchange exchange) {
        if (method.equals("PUT")) {
            LockLease lease = scope.renewLock(lockId, ttl(readJson(exchange)));
            ObjectNode node = lockInfo(lease.info());
            node.put("lockId", lease.lockId());
            return Response.json(200, node);
        }
        scope.releaseLock(lockId);
        return Response.empty(204);
    }

    /** Alchemy's {@code ?fence=N}: the version of the deployment the write is made under. */
    private static long fence(String value) {
        try {
            long fence = Long.parseLong(value);
            if (fence >= 1) {
                return fence;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw Refused.of(400, "invalid", "fence is the version of a deployment: a whole number from 1");
    }

    private static Duration ttl(JsonNode body) {
        JsonNode ttl = body.get("ttlMillis");
        if (ttl == null || !ttl.canConvertToLong()) {
            throw Refused.of(400, "invalid", "the lease needs \"ttlMillis\": a whole number of milliseconds");
        }
        return Duration.ofMillis(ttl.longValue());
    }

    private Response deleteStack(String stack, String rawQuery) {
        List<String> stages = new ArrayList<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                if (decode(eq < 0 ? pair : pair.substring(0, eq), true).equals("stage")) {
                    stages.add(eq < 0 ? "" : decode(pair.substring(eq + 1), true));
                }
            }
        }
        if (stages.size() > 1) {
            throw Refused.of(400, "invalid", "one stage at most");
        }
        if (stages.isEmpty()) {
            store.deleteStack(stack);
        } else {
            store.scope(stack, stages.get(0)).deleteAll();
        }
        return Response.empty(204);
    }

    private static Response versioned(Versioned<?> value, String json) {
        return Response.json(200, json).with("ETag", etag(value.version())).with(UPDATED_AT, value.updatedAt().toString());
    }

    static String etag(long version) {
        return "\"" + version + "\"";
    }

    private static ObjectNode lockInfo(LockInfo info) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("owner", info.owner());
        node.put("fencingToken", info.fencingToken());
        node.put("acquiredAt", info.acquiredAt().toString());
        node.put("expiresAt", info.expiresAt().toString());
        return node;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = StateJson.nodes().arrayNode();
        values.forEach(array::add);
        return array;
    }

    /**
     * The write's condition: -1 for none (last writer wins, as Alchemy's client writes), 0 for
     * {@code If-None-Match: *} (create), otherwise the version {@code If-Match} names.
     */
    private static long condition(HttpExchange exchange) {
        String match = exchange.getRequestHeaders().getFirst("If-Match");
        String noneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
        if (match != null && noneMatch != null) {
            throw Refused.of(400, "invalid", "If-Match and If-None-Match together");
        }
        if (noneMatch != null) {
            if (!noneMatch.strip().equals("*")) {
                throw Refused.of(400, "invalid", "If-None-Match takes only *: create if absent");
            }
            return 0;
        }
        return match == null ? -1 : version(match);
    }

    private static long deleteCondition(HttpExchange exchange) {
        if (exchange.getRequestHeaders().getFirst("If-None-Match") != null) {
            throw Refused.of(400, "invalid", "a delete takes If-Match, not If-None-Match");
        }
        String match = exchange.getRequestHeaders().getFirst("If-Match");
        return match == null ? -1 : version(match);
    }

    private static long version(String etag) {
        Matcher m = VERSION_TAG.matcher(etag.strip());
        if (!m.matches()) {
            throw Refused.of(400, "invalid", "If-Match takes one version's ETag, as a read returned it");
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * Admits a request carrying the token, or the read-only token for a {@code GET} or {@code HEAD}.
     *
     * @throws Refused 401 without either token, 403 for the read-only token on a write
     */
    private void authenticate(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        Matcher m = header == null ? null : BEARER.matcher(header.strip());
        if (m == null || !m.matches()) {
            throw new Refused(Response.empty(401));
        }
        // Digests of equal length, compared in constant time: neither token nor its length leaks.
        byte[] given = sha256(m.group(1).strip());
        if (MessageDigest.isEqual(tokenDigest, given)) {
            return;
        }
        if (readTokenDigest == null || !MessageDigest.isEqual(readTokenDigest, given)) {
            throw new Refused(Response.empty(401));
        }
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw Refused.of(403, "read-only", "this token only reads: " + method + " needs the server's token");
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode readJson(HttpExchange exchange) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type != null && !type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT).equals("application/json")) {
            throw Refused.of(415, "unsupported-media-type", "the body must be application/json");
        }
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        // Compiled once (String.matches compiles on every call, on every write); 18 digits always fit a long, so
        // a longer length is left to the bounded read below rather than to a NumberFormatException.
        if (length != null && DECIMAL_LENGTH.matcher(length.strip()).matches() && Long.parseLong(length.strip()) > maxBody) {
            throw tooLarge(exchange);
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > maxBody) {
                    throw tooLarge(exchange);
                }
                out.write(buffer, 0, n);
            }
            body = out.toByteArray();
        } catch (IOException e) {
            throw Refused.of(400, "invalid", "the body could not be read: " + e.getMessage());
        }
        try {
            return StateJson.parse(body);
        } catch (JsonProcessingException e) {
            throw Refused.of(400, "invalid", "the body is not one JSON value: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw Refused.of(400, "invalid", "the body could not be read: " + e.getMessage());
        }
    }

    /** The JSON body of a deployment route that takes one; null for the others. */
    private JsonNode readBody(Route route, String method, HttpExchange exchange) {
        return method.equals("POST") ? readJson(exchange) : null;
    }

    private Refused tooLarge(HttpExchange exchange) {
        // The rest of the body is not read: the connection closes after the answer.
        return new Refused(Response.json(413, error("too-large", "the body is over " + maxBody + " bytes"))
                .with("Connection", "close"));
    }

    /** The route a raw path names, or null. Literal segments are compared undecoded. */
    private static Route route(String[] p) {
        // p[0] is the empty text before the leading '/'.
        if (p.length < 2 || !p[0].isEmpty()) {
            return null;
        }
        if (p.length == 2 && p[1].equals("version")) {
            return Route.VERSION;
        }
        if (p.length == 2 && p[1].equals("metrics")) {
            return Route.METRICS;
        }
        if (!p[1].equals("state") || p.length < 3) {
            return null;
        }
        if (p.length == 3) {
            return p[2].equals("stacks") ? Route.STACKS : p[2].equals("diagnose") ? Route.DIAGNOSE : null;
        }
        if (!p[2].equals("stacks") || p[3].isEmpty()) {
            return null;
        }
        if (p.length == 4) {
            return Route.STACK;
        }
        if (!p[4].equals("stages")) {
            return null;
        }
        if (p.length == 5) {
            return Route.STAGES;
        }
        if (p[5].isEmpty() || p.length < 7) {
            return null;
        }
        if (p.length == 7) {
            return switch (p[6]) {
                case "resources" -> Route.RESOURCES;
                case "replaced-resources" -> Route.REPLACED;
                case "output" -> Route.OUTPUT;
                case "records" -> Route.RECORDS;
                case "lock" -> Route.LOCK;
                case "all" -> Route.ALL;
                case "deployments" -> Route.DEPLOYMENTS;
                case "history" -> Route.HISTORY;
                case "diff" -> Route.DIFF;
                case "restore" -> Route.RESTORE;
                default -> null;
            };
        }
        if (p.length == 8 && !p[7].isEmpty()) {
            return switch (p[6]) {
                case "resources" -> Route.RESOURCE;
                case "lock" -> Route.LEASE;
                case "deployments" -> Route.DEPLOYMENT;
                case "history" -> Route.HISTORY_AT;
                default -> null;
            };
        }
        if (p.length == 9 && p[6].equals("deployments") && !p[7].isEmpty()) {
            return switch (p[8]) {
                case "events" -> Route.EVENTS;
                case "heartbeat" -> Route.HEARTBEAT;
                case "end" -> Route.END;
                case "changes" -> Route.CHANGES;
                default -> null;
            };
        }
        return null;
    }

    private static boolean allows(Route route, String method) {
        return switch (route) {
            case STACK -> method.equals("DELETE");
            case RESOURCE, OUTPUT -> method.equals("GET") || method.equals("PUT") || method.equals("DELETE");
            case LOCK -> method.equals("GET") || method.equals("POST") || method.equals("DELETE");
            case LEASE -> method.equals("PUT") || method.equals("DELETE");
            case DEPLOYMENTS, EVENTS -> method.equals("GET") || method.equals("POST");
            case HEARTBEAT, END, RESTORE -> method.equals("POST");
            default -> method.equals("GET");
        };
    }

    static String segment(String raw) {
        return decode(raw, false);
    }

    /**
     * Strict percent-decoding: every {@code %} starts two hex digits, the bytes are UTF-8, and only
     * printable ASCII travels unencoded. Anything else is a 400, never a guess.
     */
    static String decode(String raw, boolean plusIsSpace) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
                if (lo < 0) {
                    throw Refused.of(400, "bad-path", "a '%' in the path or query is not followed by two hex digits");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (c < 0x21 || c > 0x7e) {
                throw Refused.of(400, "bad-path", "the path or query holds a character that must be percent-encoded");
            } else {
                bytes.write(plusIsSpace && c == '+' ? ' ' : c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw Refused.of(400, "bad-path", "the path or query is not UTF-8 once decoded");
        }
    }

    static Map<String, String> query(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), true);
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
            if (params.put(name, value) != null) {
                throw Refused.of(400, "invalid", "the query parameter '" + name + "' is given twice");
            }
        }
        return params;
    }
}
