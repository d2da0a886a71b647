package dev.statestore.redis;

import dev.statestore.StateStoreBackendException;
import dev.statestore.StateStoreAccessDeniedException;
import dev.statestore.Page;
import dev.statestore.ScopeId;
import dev.statestore.StoreLimits;
import dev.statestore.StateConflictException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.StateNames;
import dev.statestore.StateStoreAuthenticationException;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.spi.ChangeSummary;
import dev.statestore.spi.ControlDocument;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.LockState;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.LiveScopes;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredChange;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The Redis backend. Keys, for prefix {@code P} and scope tag {@code T = {stack:stage}} (with
 * {@code % { } :} and control characters of the names percent-encoded):
 *
 * <pre>
 * P:{T}:d:FQN        hash v, doc, st, at   a record; v alone is a tombstone
 * P:{T}:o            hash v, doc, at       the stack output
 * P:{T}:idx          sorted set of live fqns (ZRANGEBYLEX: byte order, which is code point order)
 * P:{T}:s:STATUS     sorted set of the fqns in that status
 * P:{T}:c:NAME       hash v, doc               a control document (deployments: see ControlStore)
 * P:{T}:h:d:FQN, P:{T}:h:o   hash SEQ -> W|deployment|at|json or D|deployment|at|   a key's history
 * P:{T}:hk           sorted set of the keys with history, as d:FQN or o
 * P:{T}:lock         hash id, owner, token, acq, exp   the deploy lock of a release before deployments
 * P:{registry}:stacks, P:{registry}:stages:STACK       sorted sets of the scopes ever written
 * </pre>
 *
 * Every key of a scope shares its hash tag, so each operation is one Lua script on one node, on a single
 * server or a cluster alike. A prefix holds no braces, so the text before a key's first {@code {} is its
 * prefix and two prefixes never share a key. The registry lives in a slot of its own: a scope is added
 * before its first write and never removed (a stale entry is filtered out by a liveness check), so a
 * scope holding state can never be missing from it.
 */
final class RedisBackend implements StoreBackend {

    /** Where the state is, for messages: the URL without its password, or what the application said. */
    private final String where;
    /** The node a single server's diagnosis names. */
    private final String node;
    /** Whether this backend made {@link #redis} and closes it; not when the application handed it over. */
    private final boolean ownsClient;
    private final UnifiedJedis redis;
    private final String prefix;
    private final Set<ScopeId> registered = ConcurrentHashMap.newKeySet();

    private RedisBackend(String where, String node, String prefix, UnifiedJedis redis, boolean ownsClient) {
        this.where = where;
        this.node = node;
        this.ownsClient = ownsClient;
        this.redis = redis;
        this.prefix = prefix + ":";
    }

    static RedisBackend open(RedisOptions options) {
        JedisClientConfig config = DefaultJedisClientConfig.builder()
                .user(options.user()).password(options.password()).database(options.database())
                .ssl(options.tls()).clientName("statestore")
                .connectionTimeoutMillis((int) options.timeout().toMillis())
                .socketTimeoutMillis((int) options.timeout().toMillis())
                .build();
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(options.maxPoolSize());
        pool.setMaxIdle(options.maxPoolSize());
        pool.setMaxWait(options.timeout());
        UnifiedJedis redis;
        try {
            if (options.cluster()) {
                redis = RedisClusterClient.builder().nodes(new HashSet<>(options.nodes())).clientConfig(config)
                        .poolConfig(pool).maxAttempts(3).maxTotalRetriesDuration(options.timeout().multipliedBy(2))
                        .build();
            } else {
                redis = RedisClient.builder().hostAndPort(options.nodes().get(0)).clientConfig(config).poolConfig(pool)
                        .build();
            }
        } catch (JedisException e) {
            throw translate("connect to " + options.describe(), options.describe(), e);
        }
        return connected(new RedisBackend(options.describe(), options.nodes().get(0).toString(), options.prefix(), redis, true));
    }

    /** A backend on the application's own client (its pool, credentials, TLS and timeouts); never closed here. */
    static RedisBackend onClient(UnifiedJedis redis, String prefix) {
        return connected(new RedisBackend("redis (the application's client)?prefix=" + prefix, "the application's server",
                prefix, redis, false));
    }

    private static RedisBackend connected(RedisBackend backend) {
        UnifiedJedis redis = backend.redis;
        try {
            backend.call("connect", () -> redis.ping());
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        return backend;
    }

    @Override
    public String describe() {
        return where;
    }

    // ---- keys -----------------------------------------------------------------------------------

    /** A stack or stage name as it goes into a key: no braces (hash tags) and no colons (separators). */
    private static String encode(String name) {
        StringBuilder out = new StringBuilder(name.length());
        name.codePoints().forEach(cp -> {
            if (cp == '%' || cp == '{' || cp == '}' || cp == ':' || cp < 0x20 || cp == 0x7F) {
                out.append(String.format("%%%02X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    private String base(ScopeId scope) {
        return prefix + "{" + encode(scope.stack()) + ":" + encode(scope.stage()) + "}:";
    }

    private String key(ScopeId scope, StateKey key) {
        return key instanceof StateKey.Record r ? base(scope) + "d:" + r.fqn() : base(scope) + "o";
    }

    private String registry(String name) {
        return prefix + "{registry}:" + name;
    }

    // ---- scopes ---------------------------------------------------------------------------------

    @Override
    public List<String> stacks() {
        return call("list stacks", () -> LiveScopes.stacks(redis.zrange(registry("stacks"), 0, -1), this::liveStages));
    }

    @Override
    public List<String> stages(String stack) {
        return call("list stages", () -> liveStages(stack));
    }

    private List<String> liveStages(String stack) {
        return LiveScopes.stages(stack, redis.zrange(registry("stages:" + stack), 0, -1), scope ->
                asLong(eval(Scripts.SCOPE_LIVE, List.of(base(scope) + "idx", base(scope) + "o"), List.of())) == 1);
    }

    private void register(ScopeId scope) {
        if (registered.add(scope)) {
            try {
                eval(Scripts.REGISTER, List.of(registry("stacks"), registry("stages:" + scope.stack())),
                        List.of(scope.stack(), scope.stage()));
            } catch (RuntimeException e) {
                registered.remove(scope);
                throw e;
            }
        }
    }

    // ---- documents ------------------------------------------------------------------------------

    private String location(ScopeId scope, StateKey key) {
        return where + " key " + key(scope, key);
    }

    @Override
    public Optional<StoredDocument> read(ScopeId scope, StateKey key) {
        return call("read " + key.describe(), () -> {
            List<String> fields = redis.hmget(key(scope, key), "v", "doc", "at");
            if (fields.get(1) == null) {
                return Optional.empty();
            }
            return Optional.of(new StoredDocument(key, fields.get(1), Long.parseLong(fields.get(0)),
                    Instant.ofEpochMilli(Long.parseLong(fields.get(2))), location(scope, key)));
        });
    }

    /** A deletion keeps the version in the key's hash ({@code v}): a tombstone's is read like a live one's. */
    @Override
    public java.util.OptionalLong lastVersion(ScopeId scope, StateKey key) {
        return call("read the last version of " + key.describe(), () -> {
            String version = redis.hget(key(scope, key), "v");
            return java.util.OptionalLong.of(version == null ? 0 : Long.parseLong(version));
        });
    }

    private String statusPrefix(ScopeId scope) {
        return base(scope) + "s:";
    }

    @Override
    public StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document) {
        StateKey key = document.key();
        return call("write " + key.describe(), () -> {
            // Only a write that may create needs the registry: an update needs a live record, so its scope is in.
            if (condition.isUnconditional() || condition.requiresAbsent()) {
                register(scope);
            }
            String mode = condition.isUnconditional() ? "any" : condition.requiresAbsent() ? "absent" : "version";
            List<Object> reply = asList(eval(Scripts.WRITE, keys(scope, key, condition), List.of(
                    mode, Long.toString(condition.expectedVersion()), document.json(),
                    document.status() == null ? "" : document.status(),
                    key instanceof StateKey.Record r ? r.fqn() : "", statusPrefix(scope), flag(condition.isFenced()),
                    flag(condition.recorded()), Long.toString(condition.fence()), historyMember(key),
                    condition.requiresLastVersion() ? Long.toString(condition.lastVersion()) : "")));
            refuseIfFenced(scope, condition, reply);
            if (asLong(reply.get(0)) == 1) {
                return new StoredDocument(key, document.json(), asLong(reply.get(1)),
                        Instant.ofEpochMilli(asLong(reply.get(2))), location(scope, key));
            }
            if (asLong(reply.get(0)) == 3) {
                throw condition.lastVersionConflict(scope, key, Math.max(0, asLong(reply.get(1))), asLong(reply.get(2)));
            }
            throw conflict(scope, key, condition, asLong(reply.get(1)));
        });
    }

    /**
     * The keys of a write or delete script: the document and the scope's index, and for a fenced one the control
     * document of the newer deployment, which the script checks in the same step (it shares the scope's hash tag).
     */
    private List<String> keys(ScopeId scope, StateKey key, WriteCondition condition) {
        // Unfenced, the fence's key is a control document's name that is never written: the script does not read it.
        return List.of(key(scope, key), base(scope) + "idx",
                base(scope) + "c:" + (condition.isFenced() ? condition.fenceDocument() : "unfenced"),
                base(scope) + "h:" + historyMember(key), base(scope) + "hk");
    }

    private static String flag(boolean on) {
        return on ? "1" : "";
    }

    /** The key's member in the index of keys with history, and the suffix of its history hash's key. */
    private static String historyMember(StateKey key) {
        return key instanceof StateKey.Record r ? "d:" + r.fqn() : "o";
    }

    private static void refuseIfFenced(ScopeId scope, WriteCondition condition, List<Object> reply) {
        if (asLong(reply.get(0)) == 2) {
            throw new StateWriteFencedException(scope, condition.fence());
        }
    }

    private static StateConflictException conflict(ScopeId scope, StateKey key, WriteCondition condition, long current) {
        return new StateConflictException(scope, key.describe(), condition.expectedVersion(),
                current < 0 ? OptionalLong.empty() : OptionalLong.of(current));
    }

    @Override
    public boolean delete(ScopeId scope, StateKey key, WriteCondition condition) {
        return call("delete " + key.describe(), () -> {
            List<Object> reply = asList(eval(Scripts.DELETE, keys(scope, key, condition), List.of(
                    condition.isUnconditional() ? "any" : "version", Long.toString(condition.expectedVersion()),
                    key instanceof StateKey.Record r ? r.fqn() : "", statusPrefix(scope), flag(condition.isFenced()),
                    flag(condition.recorded()), Long.toString(condition.fence()), historyMember(key))));
            refuseIfFenced(scope, condition, reply);
            if (asLong(reply.get(0)) == 1) {
                return asLong(reply.get(1)) == 1;
            }
            throw conflict(scope, key, condition, asLong(reply.get(1)));
        });
    }

    @Override
    public Page<StoredDocument> list(ScopeId scope, String afterFqn, int limit) {
        return call("list records", () -> {
            return Page.fromLookahead(documents(scope, asList(eval(Scripts.PAGE, List.of(base(scope) + "idx"),
                    List.of(afterFqn == null ? "-" : "(" + afterFqn, Integer.toString(limit + 1), base(scope) + "d:")))),
                    limit, d -> d.key().describe());
        });
    }

    @Override
    public List<StoredDocument> listByStatus(ScopeId scope, Set<String> statuses) {
        return call("list records by status", () -> {
            List<String> args = new ArrayList<>(List.of(statusPrefix(scope), base(scope) + "d:"));
            args.addAll(statuses);
            List<StoredDocument> items = documents(scope, asList(eval(Scripts.BY_STATUS, List.of(base(scope) + "idx"), args)));
            items.sort((a, b) -> StateNames.ORDER.compare(a.key().describe(), b.key().describe()));
            return items;
        });
    }

    private List<StoredDocument> documents(ScopeId scope, List<Object> flat) {
        List<StoredDocument> items = new ArrayList<>(flat.size() / 4);
        for (int i = 0; i + 3 < flat.size(); i += 4) {
            StateKey key = StateKey.record(asString(flat.get(i)));
            if (flat.get(i + 2) == null) {
                continue; // indexed but deleted in the same instant: not possible inside one script, kept safe
            }
            items.add(new StoredDocument(key, asString(flat.get(i + 2)), Long.parseLong(asString(flat.get(i + 1))),
                    Instant.ofEpochMilli(Long.parseLong(asString(flat.get(i + 3)))), location(scope, key)));
        }
        return items;
    }

    @Override
    public void deleteScope(ScopeId scope, WriteCondition condition) {
        if (condition.isFenced() || condition.recorded()) {
            StoreBackend.super.deleteScope(scope, condition);
            return;
        }
        call("delete " + scope, () -> eval(Scripts.DELETE_SCOPE, List.of(base(scope) + "idx", base(scope) + "o"),
                List.of(base(scope) + "d:", statusPrefix(scope))));
    }

    // ---- history --------------------------------------------------------------------------------

    @Override
    public Optional<dev.statestore.spi.HistoryStore> history() {
        return Optional.of(history);
    }

    private static final int HISTORY_PAGE = 1000;

    private final dev.statestore.spi.HistoryStore history = new dev.statestore.spi.HistoryStore() {
        @Override
        public List<StoredChange> changes(ScopeId scope, StateKey key) {
            return call("read the history of " + key.describe(), () -> {
                String hash = base(scope) + "h:" + historyMember(key);
                List<StoredChange> changes = new ArrayList<>();
                redis.hgetAll(hash).forEach((field, value) -> changes.add(change(scope, key, field, value)));
                changes.sort(java.util.Comparator.comparingLong(StoredChange::seq));
                return changes;
            });
        }

        @Override
        public void forEachChange(ScopeId scope, java.util.function.Consumer<StoredChange> action) {
            forEachChangeField(scope, false, (key, field, value) -> change(scope, key, field, value), StoredChange::seq,
                    action);
        }

        @Override
        public void forEachChangeSummary(ScopeId scope, java.util.function.Consumer<ChangeSummary> action) {
            // The script sends each change's head only: the documents stay on the server.
            forEachChangeField(scope, true, (key, field, value) -> summary(scope, key, field, value), ChangeSummary::seq,
                    action);
        }

        @Override
        public void remove(ScopeId scope, java.util.Collection<StoredChange> changes) {
            Map<StateKey, List<String>> byKey = new java.util.LinkedHashMap<>();
            changes.forEach(c -> byKey.computeIfAbsent(c.key(), k -> new ArrayList<>()).add(Long.toString(c.seq())));
            byKey.forEach((key, seqs) -> call("prune the history of " + key.describe(), () -> {
                List<String> args = new ArrayList<>();
                args.add(historyMember(key));
                args.addAll(seqs);
                return eval(Scripts.HISTORY_REMOVE, List.of(base(scope) + "h:" + historyMember(key), base(scope) + "hk"), args);
            }));
        }
    };

    /** Reads one field of a key's history hash. */
    private interface ChangeField<T> {
        T read(StateKey key, String field, String value);
    }

    /** Every field of the scope's history hashes, key after key, each key's oldest first: a script per page of keys. */
    private <T> void forEachChangeField(ScopeId scope, boolean summaries, ChangeField<T> read,
            java.util.function.ToLongFunction<T> seq, java.util.function.Consumer<T> action) {
        String after = null;
        while (true) {
            String min = after == null ? "-" : "(" + after;
            List<Object> flat = call("read the history of " + scope, () -> asList(eval(Scripts.HISTORY_PAGE,
                    List.of(base(scope) + "hk"), List.of(min, Integer.toString(HISTORY_PAGE), base(scope) + "h:",
                            summaries ? "summary" : "whole"))));
            int members = 0;
            for (int i = 0; i < flat.size(); ) {
                String member = asString(flat.get(i));
                int pairs = (int) asLong(flat.get(i + 1));
                StateKey key = member.equals("o") ? StateKey.output() : StateKey.record(member.substring(2));
                List<T> changes = new ArrayList<>(pairs);
                for (int p = 0; p < pairs; p++) {
                    changes.add(read.read(key, asString(flat.get(i + 2 + 2 * p)), asString(flat.get(i + 3 + 2 * p))));
                }
                changes.sort(java.util.Comparator.comparingLong(seq));
                changes.forEach(action);
                i += 2 + 2 * pairs;
                after = member;
                members++;
            }
            if (members < HISTORY_PAGE) {
                return;
            }
        }
    }

    /** A change from its field (the seq) and value ({@code W|deployment|at|json} or {@code D|deployment|at|}). */
    private StoredChange change(ScopeId scope, StateKey key, String field, String value) {
        ChangeSummary summary = summary(scope, key, field, value);
        return new StoredChange(key, summary.version(), summary.deletion() ? null
                : value.substring(value.indexOf('|', value.indexOf('|', 2) + 1) + 1), summary.at(), summary.deployment(),
                changeLocation(scope, key, field));
    }

    /** What a change's field and value say of it, its document aside (a summary's value may stop after its time). */
    private ChangeSummary summary(ScopeId scope, StateKey key, String field, String value) {
        try {
            long seq = Long.parseLong(field);
            int first = value.indexOf('|');
            int second = value.indexOf('|', first + 1);
            int third = value.indexOf('|', second + 1);
            boolean deletion = value.startsWith("D|");
            if (third < 0 || (!deletion && !value.startsWith("W|")) || (seq % 2 == 1) != deletion) {
                throw new NumberFormatException("not W|... or D|...");
            }
            return new ChangeSummary(key, seq / 2, deletion, Instant.ofEpochMilli(Long.parseLong(value.substring(second + 1,
                    third))), Long.parseLong(value.substring(first + 1, second)));
        } catch (NumberFormatException e) {
            throw new dev.statestore.CorruptStateException(changeLocation(scope, key, field),
                    "not a change of this store's history", e);
        }
    }

    private String changeLocation(ScopeId scope, StateKey key, String field) {
        return where + " key " + base(scope) + "h:" + historyMember(key) + " field " + field;
    }

    // ---- control documents (deployments) ---------------------------------------------------------
    // A hash (v, doc) per document under the scope's hash tag, so that a script can check one beside a record.

    private final ControlStore control = new ControlStore() {
        @Override
        public Optional<ControlDocument> read(ScopeId scope, String name) {
            return call("read the control document " + name, () -> {
                List<String> l = redis.hmget(base(scope) + "c:" + name, "doc", "v");
                return l.get(0) == null ? Optional.empty() : Optional.of(new ControlDocument(l.get(0), l.get(1)));
            });
        }

        @Override
        public boolean compareAndSet(ScopeId scope, String name, Optional<ControlDocument> expected, String json) {
            String tag = expected.map(ControlDocument::tag).orElse("");
            return call("write the control document " + name, () -> asLong(eval(Scripts.CONTROL_SET,
                    List.of(base(scope) + "c:" + name), List.of(tag, json))) == 1);
        }

        @Override
        public boolean delete(ScopeId scope, String name, ControlDocument expected) {
            return call("delete the control document " + name, () -> asLong(eval(Scripts.CONTROL_DELETE,
                    List.of(base(scope) + "c:" + name), List.of(expected.tag()))) == 1);
        }

        /** Redis's clock ({@code TIME}), which every client shares, so that clients whose clocks differ agree on expiry. */
        @Override
        public StoreLimits.LeaseClock leaseClock() {
            return StoreLimits.LeaseClock.STORE;
        }

        @Override
        public Instant time(ScopeId scope) {
            return call("read the server's clock", () -> Instant.ofEpochMilli(asLong(eval(Scripts.TIME,
                    List.of(base(scope) + "c:head"), List.of()))));
        }

        /** The lease hash of a release before deployments. */
        @Override
        public Optional<LockState> legacyLock(ScopeId scope) {
            return call("read the deploy lock of an earlier release", () -> {
                List<String> l = redis.hmget(base(scope) + "lock", "id", "owner", "token", "acq", "exp");
                if (l.get(2) == null) {
                    return Optional.empty();
                }
                return Optional.of(new LockState(l.get(0), l.get(1), Long.parseLong(l.get(2)),
                        Instant.ofEpochMilli(Long.parseLong(l.get(3))), Instant.ofEpochMilli(Long.parseLong(l.get(4)))));
            });
        }
    };

    @Override
    public Optional<ControlStore> controlStore() {
        return Optional.of(control);
    }

    // ---- diagnosis ------------------------------------------------------------------------------

    @Override
    public List<String> diagnose() {
        return call("check the server's persistence", () -> {
            List<String> warnings = new ArrayList<>();
            if (redis instanceof RedisClusterClient cluster) {
                for (var node : cluster.getClusterNodes().entrySet()) {
                    try (Jedis jedis = new Jedis(node.getValue().getResource())) {
                        persistence(node.getKey(), jedis.configGet("appendonly"), jedis.configGet("save"), warnings);
                    }
                }
            } else {
                persistence(node, redis.configGet("appendonly"), redis.configGet("save"),
                        warnings);
            }
            return warnings;
        });
    }

    private static void persistence(String node, Map<String, String> appendonly, Map<String, String> save,
            List<String> warnings) {
        String aof = appendonly.getOrDefault("appendonly", "");
        String rdb = save.getOrDefault("save", "");
        if (!"yes".equalsIgnoreCase(aof) && rdb.isBlank()) {
            warnings.add("Redis " + node + " keeps nothing on disk (appendonly no, save \"\"): all state is lost "
                    + "when it restarts; turn on appendonly yes (appendfsync everysec or always)");
        } else if (!"yes".equalsIgnoreCase(aof)) {
            warnings.add("Redis " + node + " only takes RDB snapshots (save " + rdb + "): writes since the last "
                    + "snapshot are lost when it stops; turn on appendonly yes");
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------

    /** Runs a script by its SHA, loading it first where the server answers NOSCRIPT (a restart, a new node). */
    private Object eval(Scripts script, List<String> keys, List<String> args) {
        try {
            return redis.evalsha(script.sha, keys, args);
        } catch (JedisNoScriptException e) {
            redis.scriptLoad(script.source, keys.get(0));
            return redis.evalsha(script.sha, keys, args);
        }
    }

    private <T> T call(String what, Supplier<T> work) {
        try {
            return work.get();
        } catch (JedisException e) {
            throw translate(what, where, e);
        }
    }

    private static RuntimeException translate(String what, String where, JedisException e) {
        String message = "cannot " + what + " in " + where + ": " + e.getMessage();
        if (isAuthentication(e)) {
            return new StateStoreAuthenticationException(message + " (check the URL's user and password)", e);
        }
        boolean unavailable = e instanceof JedisConnectionException || e instanceof JedisClusterOperationException
                || (e instanceof JedisDataException && e.getMessage() != null && e.getMessage().matches(
                        "^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|READONLY).*"));
        if (unavailable) {
            return new StateStoreUnavailableException(message, e);
        }
        if (e.getMessage() != null && e.getMessage().startsWith("NOPERM")) {
            return new StateStoreAccessDeniedException(message + " (the Redis ACL user lacks a command or a key pattern "
                    + "the store uses: it runs Lua scripts on every key under its prefix)", e);
        }
        return new StateStoreBackendException(message, e);
    }

    /** WRONGPASS (a wrong user or password) or NOAUTH (none given where one is required), however Jedis wraps it. */
    static boolean isAuthentication(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof redis.clients.jedis.exceptions.JedisAccessControlException) {
                return true;
            }
            if (t instanceof JedisDataException && t.getMessage() != null && t.getMessage().matches("^(WRONGPASS|NOAUTH).*")) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object reply) {
        return (List<Object>) reply;
    }

    private static long asLong(Object reply) {
        if (reply instanceof Long l) {
            return l;
        }
        return Long.parseLong(asString(reply));
    }

    private static String asString(Object reply) {
        return reply instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : (String) reply;
    }

    @Override
    public void close() {
        if (ownsClient) {
            redis.close();
        }
    }
}
