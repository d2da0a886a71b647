package dev.statestore.http;

import static dev.statestore.spi.StoreUrl.encode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.CorruptStateException;
import dev.statestore.InvalidStateException;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.LockConflictException;
import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.Page;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.StateStoreAuthenticationException;
import dev.statestore.StateStoreAccessDeniedException;
import dev.statestore.StateStoreBackendException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.DeploymentEvent;
import dev.statestore.DeploymentInProgressException;
import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentNotFoundException;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.DeploymentSummary;
import dev.statestore.DeploymentTokenInvalidException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.DeploymentJournal;
import dev.statestore.spi.DeploymentJson;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.StateJson;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store reached over HTTP: a {@link StoreBackend} whose every call is one request to a server that
 * speaks Alchemy's HTTP state API with this project's additions ({@code statestore serve}). The server
 * does the atomic work: a conditional write is one {@code PUT} or {@code DELETE} with {@code If-Match}
 * or {@code If-None-Match: *}, answered 412 when it does not hold. Lock ids are the server's: the id
 * the caller proposes is not sent.
 *
 * <p>Transport failures and timeouts are {@link StateStoreUnavailableException}; nothing is retried
 * here, since a write may have happened (the caller re-reads, as for every backend).
 */
final class HttpBackend implements StoreBackend {

    private static final String UPDATED_AT = "X-Statestore-Updated-At";
    private static final String DELETED = "X-Statestore-Deleted";
    private static final String LAST_VERSION = "X-Statestore-Last-Version";

    private static final Logger LOG = LoggerFactory.getLogger(HttpBackend.class);
    private final HttpClient client;
    private final URI base;
    private final String authorization;
    private final Duration timeout;
    /** Whether the server keeps history (its {@code /version} says so): read once, at open. */
    private volatile boolean serverKeepsHistory;

    private HttpBackend(HttpClient client, HttpOptions options) {
        this.client = client;
        this.base = options.base();
        this.authorization = "Bearer " + options.token();
        this.timeout = options.timeout();
    }

    /** Connects and checks that the server is a {@code statestore serve} (its {@code /version}). */
    static HttpBackend open(HttpOptions options) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        return checked(new HttpBackend(client, options));
    }

    /** A backend on the application's own client (its proxy, TLS and executor settings). */
    static HttpBackend onClient(HttpClient client, HttpOptions options) {
        return checked(new HttpBackend(client, options));
    }

    /** Asks {@code /version}: the server must be a {@code statestore serve}, not only an Alchemy state API. */
    private static HttpBackend checked(HttpBackend backend) {
        HttpResponse<byte[]> version = backend.send(backend.request("/version").GET());
        JsonNode node = version.statusCode() == 200 ? backend.json(version) : null;
        if (node == null || !node.path("version").isNumber()) {
            throw new StateStoreUnavailableException(backend.describe() + " does not answer /version as an Alchemy state API "
                    + "does (HTTP " + version.statusCode() + ")", null);
        }
        if (!node.path("statestore").canConvertToInt() || node.path("statestore").intValue() < 1) {
            throw new InvalidStoreUrlException(backend.describe() + " speaks Alchemy's state API without versions, "
                    + "conditional writes or locks; this store needs a server run by 'statestore serve'");
        }
        node.path("capabilities").forEach(c -> backend.serverKeepsHistory |= c.asText().equals("history"));
        return backend;
    }

    @Override
    public String describe() {
        return base.toString();
    }

    // ---- requests

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).header("Authorization", authorization);
    }

    /** An answer, and whether it came from a second try (see {@link #sendRetrying}). */
    private record Sent(HttpResponse<byte[]> response, boolean retried) {}

    private HttpResponse<byte[]> send(HttpRequest.Builder request) {
        return sendRetrying(request).response();
    }

    /**
     * Sends once more, on a new connection, when the first try got no answer at all ("header parser received
     * no bytes": a pooled connection that died under it). Whether the first try reached the server is then
     * unknown, so the writes check a conflict after a second try against what is stored (see {@link #write}).
     * A timeout or a refused connection is not tried again.
     */
    private Sent sendRetrying(HttpRequest.Builder request) {
        HttpRequest built = request.build();
        try {
            try {
                return new Sent(client.send(built, HttpResponse.BodyHandlers.ofByteArray()), false);
            } catch (java.net.http.HttpTimeoutException | java.net.ConnectException e) {
                throw e;
            } catch (IOException e) {
                LOG.info("{} {} on {} got no answer ({}); sending it once more on a new connection", built.method(),
                        built.uri().getRawPath(), describe(), e.toString());
                dev.statestore.spi.ClientRetries.retried("http");
                return new Sent(client.send(built, HttpResponse.BodyHandlers.ofByteArray()), true);
            }
        } catch (IOException e) {
            throw new StateStoreUnavailableException("cannot reach " + describe() + " (" + built.method() + " "
                    + built.uri().getRawPath() + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateStoreUnavailableException("interrupted waiting for " + describe(), e);
        }
    }

    private static String scopePath(ScopeId scope) {
        return "/state/stacks/" + encode(scope.stack()) + "/stages/" + encode(scope.stage());
    }

    private static String keyPath(ScopeId scope, StateKey key) {
        // Encoded twice, as Alchemy's client does: the server decodes the segment, then the fqn.
        return scopePath(scope) + (key instanceof StateKey.Record r ? "/resources/" + encode(encode(r.fqn())) : "/output");
    }

    /** Alchemy's {@code ?fence=N}: the server checks it in the same atomic step as the write, where its store can. */
    private static String fenceQuery(WriteCondition condition) {
        return condition.isFenced() ? "?fence=" + condition.fence() : "";
    }

    private static HttpRequest.BodyPublisher jsonBody(String json) {
        return HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8);
    }

    private JsonNode json(HttpResponse<byte[]> response) {
        try {
            return StateJson.parse(response.body());
        } catch (IOException e) {
            throw new StateStoreBackendException(describe() + " answered " + response.request().method() + " "
                    + response.request().uri().getRawPath() + " with a body that is not JSON", e);
        }
    }

    /** The exception the server's error answer stands for (see the server's mapping). */
    private RuntimeException failure(HttpResponse<byte[]> response, ScopeId scope, StateKey key, long expected) {
        int status = response.statusCode();
        JsonNode body = response.body().length == 0 ? StateJson.nodes().objectNode() : safeJson(response);
        String code = body.path("error").asText("");
        String message = body.path("message").asText("HTTP " + status);
        String where = response.request().method() + " " + describe() + response.request().uri().getRawPath();
        String tag = body.path("_tag").asText("");
        if (!tag.isEmpty() && scope != null) {
            long version = body.path("version").asLong();
            switch (tag) {
                case "DeploymentInProgress" -> {
                    try {
                        return new DeploymentInProgressException(DeploymentJson.record(body.path("holder")));
                    } catch (IllegalArgumentException e) {
                        return new StateStoreBackendException(where + " answered 409 with a holder that is not a "
                                + "deployment record: " + e.getMessage(), e);
                    }
                }
                case "DeploymentTokenInvalid" -> {
                    return new DeploymentTokenInvalidException(scope, version);
                }
                case "DeploymentNotFound" -> {
                    return new DeploymentNotFoundException(scope, version);
                }
                case "StateWriteFenced" -> {
                    return new StateWriteFencedException(scope, body.path("fence").asLong());
                }
                case "HistoryNotKept" -> {
                    return new dev.statestore.HistoryNotKeptException(scope, message);
                }
                case "DeploymentCorrupt" -> {
                    return new CorruptStateException(body.path("location").asText(where), message, null);
                }
                default -> {
                    // another error of Alchemy's: handled by status below
                }
            }
        }
        if (status == 409 && code.equals("lock-conflict") && scope != null) {
            return new LockConflictException(scope, "the deploy lock is not yours to take, renew or release", holder(body));
        }
        if (status == 412 && scope != null) {
            JsonNode current = body.path("currentVersion");
            return new StateConflictException(scope, key == null ? "deploy lock" : key.describe(), expected,
                    current.canConvertToLong() ? OptionalLong.of(current.longValue()) : OptionalLong.empty());
        }
        if (status == 400 && code.equals("invalid")) {
            return new InvalidStateException(message);
        }
        if (status == 413) {
            return new InvalidStateException("the server refuses a body this large: " + message);
        }
        if (code.equals("corrupt")) {
            return new CorruptStateException(body.path("location").asText(where), body.path("problem").asText(message), null);
        }
        if (status == 503 || status == 502 || status == 504 || status == 429) {
            return new StateStoreUnavailableException(where + " answered " + status + ": " + message, null);
        }
        if (status == 401) {
            return new StateStoreAuthenticationException(where + " refused the token (401): check the URL's token "
                    + "option or " + HttpOptions.TOKEN_VARIABLE, null);
        }
        if (status == 403) {
            return new StateStoreAccessDeniedException(where + " answered 403: " + message, null);
        }
        if (code.equals("misconfigured")) {
            return new StateStoreMisconfiguredException(where + ": the server's store is misconfigured: " + message);
        }
        return new StateStoreBackendException(where + " answered " + status + ": " + message, null);
    }

    private JsonNode safeJson(HttpResponse<byte[]> response) {
        try {
            return StateJson.parse(response.body());
        } catch (IOException e) {
            return StateJson.nodes().objectNode();
        }
    }

    private HttpResponse<byte[]> expect(HttpResponse<byte[]> response, int status, ScopeId scope, StateKey key, long expected) {
        if (response.statusCode() != status) {
            throw failure(response, scope, key, expected);
        }
        return response;
    }

    private static long version(HttpResponse<byte[]> response) {
        String etag = response.headers().firstValue("ETag").orElse("");
        String digits = etag.replaceFirst("^W/", "").replace("\"", "");
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new StateStoreBackendException(response.request().uri() + " answered without a version (ETag '" + etag + "')", null);
        }
    }

    private static Instant updatedAt(HttpResponse<byte[]> response) {
        return response.headers().firstValue(UPDATED_AT).map(Instant::parse).orElseThrow(() -> new StateStoreBackendException(
                response.request().uri() + " answered without " + UPDATED_AT, null));
    }

    private StoredDocument document(StateKey key, String json, long version, Instant updatedAt, ScopeId scope) {
        return new StoredDocument(key, json, version, updatedAt, describe() + keyPath(scope, key));
    }

    // ---- listing

    @Override
    public List<String> stacks() {
        return strings(expect(send(request("/state/stacks").GET()), 200, null, null, 0));
    }

    @Override
    public List<String> stages(String stack) {
        return strings(expect(send(request("/state/stacks/" + encode(stack) + "/stages").GET()), 200, null, null, 0));
    }

    private List<String> strings(HttpResponse<byte[]> response) {
        List<String> values = new ArrayList<>();
        json(response).forEach(n -> values.add(n.asText()));
        return values;
    }

    @Override
    public Page<StoredDocument> list(ScopeId scope, String afterFqn, int limit) {
        String query = "?limit=" + limit + (afterFqn == null ? "" : "&after=" + encode(afterFqn));
        JsonNode page = json(expect(send(request(scopePath(scope) + "/records" + query).GET()), 200, scope, null, 0));
        JsonNode next = page.get("nextAfter");
        return new Page<>(documents(scope, page), next == null || next.isNull() ? Optional.empty() : Optional.of(next.asText()));
    }

    @Override
    public List<StoredDocument> listByStatus(ScopeId scope, Set<String> statuses) {
        String query = "?status=" + encode(String.join(",", new TreeSet<>(statuses)));
        return documents(scope, json(expect(send(request(scopePath(scope) + "/records" + query).GET()), 200, scope, null, 0)));
    }

    private List<StoredDocument> documents(ScopeId scope, JsonNode page) {
        List<StoredDocument> documents = new ArrayList<>();
        for (JsonNode item : page.path("items")) {
            JsonNode state = item.path("state");
            StateKey key = StateKey.record(state.path("fqn").asText());
            documents.add(document(key, StateJson.compact(state), item.path("version").asLong(),
                    Instant.parse(item.path("updatedAt").asText()), scope));
        }
        return documents;
    }

    // ---- documents

    @Override
    public Optional<StoredDocument> read(ScopeId scope, StateKey key) {
        HttpResponse<byte[]> response = expect(send(request(keyPath(scope, key)).GET()), 200, scope, key, 0);
        if (response.body().length == 0) {
            return Optional.empty();
        }
        return Optional.of(document(key, new String(response.body(), StandardCharsets.UTF_8), version(response),
                updatedAt(response), scope));
    }

    /** Asked of the server with a read (its {@code X-Statestore-Last-Version}); empty where the server cannot say. */
    @Override
    public OptionalLong lastVersion(ScopeId scope, StateKey key) {
        HttpResponse<byte[]> response = expect(send(request(keyPath(scope, key)).header(LAST_VERSION, "?").GET()), 200,
                scope, key, 0);
        Optional<String> last = response.headers().firstValue(LAST_VERSION);
        try {
            return last.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(last.get()));
        } catch (NumberFormatException e) {
            throw new StateStoreBackendException("the server answered a last version of '" + last.get() + "'", e);
        }
    }

    /**
     * {@inheritDoc} A last version goes to the server inside the document, as the version a client sealed it for (the
     * only writer that asks for one): the server writes such a document only as that version.
     *
     * @throws IllegalArgumentException for a last version and a document not sealed for the version after it
     */
    @Override
    public StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document) {
        if (condition.requiresLastVersion()
                && document.sealedFor() != condition.lastVersion() + 1) {
            throw new IllegalArgumentException("over HTTP, a write on a last version is one of a document sealed for "
                    + "the version after it");
        }
        HttpRequest.Builder put = request(keyPath(scope, document.key()) + fenceQuery(condition))
                .header("Content-Type", "application/json")
                .PUT(jsonBody(document.json()));
        if (condition.requiresAbsent()) {
            put.header("If-None-Match", "*");
        } else if (!condition.isUnconditional()) {
            put.header("If-Match", "\"" + condition.expectedVersion() + "\"");
        }
        Sent sent = sendRetrying(put);
        if (sent.retried() && sent.response().statusCode() == 412) {
            // The first try may have been ours: it was, if the key now holds this very document at the version
            // the write would have made (any version, for a create).
            Optional<StoredDocument> now = read(scope, document.key());
            if (now.isPresent() && now.get().json().equals(document.json())
                    && (condition.requiresLastVersion() ? now.get().version() == condition.lastVersion() + 1
                    : condition.requiresAbsent() || now.get().version() == condition.expectedVersion() + 1)) {
                return now.get();
            }
        }
        HttpResponse<byte[]> response = expect(sent.response(), 200, scope, document.key(),
                Math.max(0, condition.expectedVersion()));
        return document(document.key(), new String(response.body(), StandardCharsets.UTF_8), version(response),
                updatedAt(response), scope);
    }

    @Override
    public boolean delete(ScopeId scope, StateKey key, WriteCondition condition) {
        HttpRequest.Builder delete = request(keyPath(scope, key) + fenceQuery(condition)).DELETE();
        if (!condition.isUnconditional()) {
            if (condition.requiresAbsent() || key instanceof StateKey.Output) {
                throw new IllegalArgumentException("a delete is unconditional or on a record's version");
            }
            delete.header("If-Match", "\"" + condition.expectedVersion() + "\"");
        }
        Sent sent = sendRetrying(delete);
        if (sent.retried() && sent.response().statusCode() == 412 && read(scope, key).isEmpty()) {
            return true; // the first try deleted it (or another writer did: deleted either way)
        }
        HttpResponse<byte[]> response = expect(sent.response(), 204, scope, key, Math.max(0, condition.expectedVersion()));
        return response.headers().firstValue(DELETED).map(Boolean::parseBoolean).orElse(true);
    }

    @Override
    public void deleteScope(ScopeId scope, WriteCondition condition) {
        if (condition.isFenced()) {
            // One by one, each deletion carrying the fence; the server records them as its store does.
            StoreBackend.super.deleteScope(scope, condition);
            return;
        }
        expect(send(request("/state/stacks/" + encode(scope.stack()) + "?stage=" + encode(scope.stage())).DELETE()), 204,
                scope, null, 0);
    }

    // ---- the deploy lock

    private static Optional<LockInfo> holder(JsonNode body) {
        JsonNode holder = body.get("holder");
        return holder == null || holder.isNull() ? Optional.empty() : Optional.of(lockInfo(holder));
    }

    private static LockInfo lockInfo(JsonNode node) {
        return new LockInfo(node.path("owner").asText(), node.path("fencingToken").asLong(),
                Instant.parse(node.path("acquiredAt").asText()), Instant.parse(node.path("expiresAt").asText()));
    }

    private LockLease lease(ScopeId scope, HttpResponse<byte[]> response) {
        JsonNode node = json(response);
        return new LockLease(scope, node.path("lockId").asText(), lockInfo(node));
    }

    private static String leaseBody(String owner, Duration ttl) {
        ObjectNode node = StateJson.nodes().objectNode();
        if (owner != null) {
            node.put("owner", owner);
        }
        node.put("ttlMillis", ttl.toMillis());
        return StateJson.compact(node);
    }

    private HttpRequest.Builder postJson(String path, JsonNode body) {
        return request(path).header("Content-Type", "application/json").POST(jsonBody(StateJson.compact(body)));
    }

    private static String deploymentPath(ScopeId scope, long version) {
        return scopePath(scope) + "/deployments/" + version;
    }

    private static ObjectNode tokenBody(String token) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("token", token);
        return node;
    }

    private <T> T decoded(HttpResponse<byte[]> response, java.util.function.Function<JsonNode, T> decoder) {
        try {
            return decoder.apply(json(response));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new StateStoreBackendException(describe() + " answered " + response.request().uri().getRawPath()
                    + " with a body that is not what the API defines: " + e.getMessage(), e);
        }
    }

    /**
     * The server keeps the history of the writes it is sent (with its own store's option): this client reads it, and
     * builds {@link dev.statestore.History} on it as for every backend. Pruning is the server's.
     */
    @Override
    public Optional<dev.statestore.spi.HistoryStore> history() {
        return serverKeepsHistory ? Optional.of(history) : Optional.empty();
    }

    private final dev.statestore.spi.HistoryStore history = new dev.statestore.spi.HistoryStore() {
        @Override
        public List<dev.statestore.spi.StoredChange> changes(ScopeId scope, StateKey key) {
            return changesAt(scope, "/history?" + (key instanceof StateKey.Record r ? "fqn=" + encode(r.fqn()) : "output=true"));
        }

        @Override
        public void forEachChange(ScopeId scope, java.util.function.Consumer<dev.statestore.spi.StoredChange> action) {
            changesAt(scope, "/history").forEach(action);
        }

        @Override
        public void remove(ScopeId scope, java.util.Collection<dev.statestore.spi.StoredChange> changes) {
            // The server prunes its history itself, by its own store's retention.
        }
    };

    private List<dev.statestore.spi.StoredChange> changesAt(ScopeId scope, String path) {
        HttpResponse<byte[]> response = expect(send(request(scopePath(scope) + path).GET()), 200, scope, null, 0);
        String location = describe() + scopePath(scope) + "/history";
        return decoded(response, node -> {
            List<dev.statestore.spi.StoredChange> changes = new ArrayList<>();
            node.forEach(c -> changes.add(dev.statestore.spi.HistoryJson.storedChange(c, location)));
            return changes;
        });
    }

    /**
     * The server runs deployments and the lease (on its store's clock and compare-and-set): this client only asks
     * it, with Alchemy's deployment routes and this server's lock routes.
     */
    private final DeploymentJournal journal = new DeploymentJournal() {
        @Override
        public DeploymentLease begin(ScopeId scope, DeploymentMeta meta, Duration ttl, Long supersede) {
            ObjectNode body = StateJson.nodes().objectNode();
            body.set("meta", DeploymentJson.meta(meta));
            body.put("ttlMillis", ttl.toMillis());
            if (supersede != null) {
                body.put("supersede", supersede);
            }
            HttpResponse<byte[]> response = expect(send(postJson(scopePath(scope) + "/deployments", body)), 200, scope, null, 0);
            return decoded(response, node -> new DeploymentLease(scope, node.get("version").longValue(),
                    node.get("token").textValue(), node.hasNonNull("tookOver") ? node.get("tookOver").longValue() : null));
        }

        @Override
        public long appendEvents(ScopeId scope, long version, String token, List<DeploymentEvent> events) {
            ObjectNode body = tokenBody(token);
            body.set("events", DeploymentJson.events(events));
            HttpResponse<byte[]> response = expect(send(postJson(deploymentPath(scope, version) + "/events", body)), 200,
                    scope, null, 0);
            return decoded(response, node -> node.get("ackedSeq").longValue());
        }

        @Override
        public void heartbeat(ScopeId scope, long version, String token) {
            expect(send(postJson(deploymentPath(scope, version) + "/heartbeat", tokenBody(token))), 204, scope, null, 0);
        }

        @Override
        public void end(ScopeId scope, long version, String token, DeploymentOutcome outcome, DeploymentSummary summary) {
            ObjectNode body = tokenBody(token);
            body.put("outcome", outcome.wireName());
            if (summary != null) {
                body.set("summary", DeploymentJson.summary(summary));
            }
            expect(send(postJson(deploymentPath(scope, version) + "/end", body)), 204, scope, null, 0);
        }

        @Override
        public List<DeploymentRecord> list(ScopeId scope, Long before, int limit) {
            String query = "?limit=" + limit + (before == null ? "" : "&before=" + before);
            HttpResponse<byte[]> response = expect(send(request(scopePath(scope) + "/deployments" + query).GET()), 200,
                    scope, null, 0);
            return decoded(response, node -> {
                List<DeploymentRecord> records = new ArrayList<>();
                node.forEach(r -> records.add(DeploymentJson.record(r)));
                return records;
            });
        }

        @Override
        public Optional<DeploymentRecord> get(ScopeId scope, long version) {
            HttpResponse<byte[]> response = expect(send(request(deploymentPath(scope, version)).GET()), 200, scope, null, 0);
            return response.body().length == 0 ? Optional.empty()
                    : Optional.of(decoded(response, DeploymentJson::record));
        }

        @Override
        public List<DeploymentEvent> readEvents(ScopeId scope, long version, long fromSeq) {
            HttpResponse<byte[]> response = expect(send(request(deploymentPath(scope, version) + "/events?fromSeq="
                    + fromSeq).GET()), 200, scope, null, 0);
            return decoded(response, DeploymentJson::events);
        }

        @Override
        public LockLease acquireLock(ScopeId scope, String owner, Duration ttl) {
            HttpRequest.Builder post = request(scopePath(scope) + "/lock").header("Content-Type", "application/json")
                    .POST(jsonBody(leaseBody(owner, ttl)));
            return lease(scope, expect(send(post), 200, scope, null, 0));
        }

        @Override
        public LockLease renewLock(ScopeId scope, String lockId, Duration ttl) {
            HttpRequest.Builder put = request(scopePath(scope) + "/lock/" + encode(lockId))
                    .header("Content-Type", "application/json").PUT(jsonBody(leaseBody(null, ttl)));
            return lease(scope, expect(send(put), 200, scope, null, 0));
        }

        @Override
        public void releaseLock(ScopeId scope, String lockId) {
            expect(send(request(scopePath(scope) + "/lock/" + encode(lockId)).DELETE()), 204, scope, null, 0);
        }

        @Override
        public Optional<LockInfo> lockInfo(ScopeId scope) {
            HttpResponse<byte[]> response = expect(send(request(scopePath(scope) + "/lock").GET()), 200, scope, null, 0);
            return response.body().length == 0 ? Optional.empty() : Optional.of(HttpBackend.lockInfo(json(response)));
        }

        @Override
        public boolean forceReleaseLock(ScopeId scope) {
            HttpResponse<byte[]> response = expect(send(request(scopePath(scope) + "/lock").DELETE()), 204, scope, null, 0);
            return response.headers().firstValue(DELETED).map(Boolean::parseBoolean).orElse(false);
        }
    };

    @Override
    public Optional<ControlStore> controlStore() {
        return Optional.empty();
    }

    @Override
    public DeploymentJournal deployments() {
        return journal;
    }

    @Override
    public List<String> diagnose() {
        List<String> warnings = new ArrayList<>();
        if (base.getScheme().equals("http") && !isLoopback(base.getHost())) {
            warnings.add("the token and every record travel unencrypted to " + base.getHost() + ": use https://");
        }
        warnings.addAll(strings(expect(send(request("/state/diagnose").GET()), 200, null, null, 0)));
        return warnings;
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** The server's store may (a file store Alchemy writes into): it answers for itself; the path escapes every name whole. */
    @Override
    public boolean holdsNamesOfOtherWriters() {
        return true;
    }

    /** The server behind refuses them with the same shared layer, and answers 500 corrupt, which this client throws. */
    @Override
    public boolean refusesWritesOverCorruptRecords() {
        return true;
    }

    @Override
    public void close() {
        // The JDK's client has no close before Java 21: its threads end when it is no longer used.
    }
}
