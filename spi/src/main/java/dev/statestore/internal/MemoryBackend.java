package dev.statestore.internal;

import dev.statestore.Page;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.StateNames;
import dev.statestore.spi.ControlDocument;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.HistoryStore;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredChange;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Internal: the {@code memory:} backend. Each scope is guarded by its own monitor, which makes every
 * conditional write one atomic step. Documents are kept as their JSON text, like any other backend,
 * so a caller can never change a stored record through a reference it kept.
 */
public final class MemoryBackend implements StoreBackend {

    private final String name;
    private final Map<ScopeId, ScopeData> scopes = new ConcurrentHashMap<>();
    private final Clock clock = Clock.systemUTC();

    MemoryBackend(String name) {
        this.name = name;
    }

    private record Entry(String json, String status, long version, Instant updatedAt) {}

    private static final class ScopeData {
        final NavigableMap<String, Entry> records = new TreeMap<>(StateNames.ORDER);
        final Map<String, Long> tombstones = new HashMap<>();
        Entry output;
        long outputTombstone;
        final Map<String, String> control = new HashMap<>();
        /** The history: changes by key (the stack output under OUTPUT_KEY), each key's by seq. */
        final Map<String, NavigableMap<Long, StoredChange>> changes = new HashMap<>();

        boolean isEmpty() {
            return records.isEmpty() && output == null;
        }
    }

    private ScopeData data(ScopeId scope) {
        return scopes.computeIfAbsent(scope, s -> new ScopeData());
    }

    @Override
    public String describe() {
        return "memory:" + name;
    }

    @Override
    public List<String> diagnose() {
        return List.of("memory: state lives only in this process and is lost when it exits");
    }

    @Override
    public List<String> stacks() {
        Set<String> stacks = new TreeSet<>(StateNames.ORDER);
        scopes.forEach((scope, data) -> {
            synchronized (data) {
                if (!data.isEmpty()) {
                    stacks.add(scope.stack());
                }
            }
        });
        return List.copyOf(stacks);
    }

    @Override
    public List<String> stages(String stack) {
        Set<String> stages = new TreeSet<>(StateNames.ORDER);
        scopes.forEach((scope, data) -> {
            synchronized (data) {
                if (scope.stack().equals(stack) && !data.isEmpty()) {
                    stages.add(scope.stage());
                }
            }
        });
        return List.copyOf(stages);
    }

    @Override
    public Optional<StoredDocument> read(ScopeId scope, StateKey key) {
        ScopeData data = data(scope);
        synchronized (data) {
            return Optional.ofNullable(live(data, key)).map(e -> stored(scope, key, e));
        }
    }

    @Override
    public java.util.OptionalLong lastVersion(ScopeId scope, StateKey key) {
        ScopeData data = data(scope);
        synchronized (data) {
            Entry current = live(data, key);
            return java.util.OptionalLong.of(current != null ? current.version() : tombstone(data, key));
        }
    }

    @Override
    public StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document) {
        ScopeData data = data(scope);
        StateKey key = document.key();
        synchronized (data) {
            checkFence(scope, data, condition);
            Entry current = live(data, key);
            long next = checkCondition(scope, key, condition, current) + 1;
            if (current == null) {
                next = Math.max(next, tombstone(data, key) + 1);
            }
            long live = current == null ? 0 : current.version();
            if (!condition.holdsFor(live, next - 1)) {
                throw condition.lastVersionConflict(scope, key, live, next - 1);
            }
            Entry entry = new Entry(document.json(), document.status(), next, clock.instant());
            if (condition.recorded()) {
                record(scope, data, key, next, document.json(), entry.updatedAt(), condition.fence());
            }
            if (key instanceof StateKey.Record r) {
                data.records.put(r.fqn(), entry);
                data.tombstones.remove(r.fqn());
            } else {
                data.output = entry;
            }
            return stored(scope, key, entry);
        }
    }

    @Override
    public boolean delete(ScopeId scope, StateKey key, WriteCondition condition) {
        ScopeData data = data(scope);
        synchronized (data) {
            checkFence(scope, data, condition);
            Entry current = live(data, key);
            checkCondition(scope, key, condition, current);
            if (current == null) {
                return false;
            }
            if (condition.recorded()) {
                record(scope, data, key, current.version(), null, clock.instant(), condition.fence());
            }
            remove(data, key, current);
            return true;
        }
    }

    private static void remove(ScopeData data, StateKey key, Entry current) {
        if (key instanceof StateKey.Record r) {
            data.records.remove(r.fqn());
            data.tombstones.put(r.fqn(), current.version());
        } else {
            data.output = null;
            data.outputTombstone = current.version();
        }
    }

    /** The key a key's changes are kept under: the stack output's cannot be an fqn, which is never empty. */
    private static final String OUTPUT_KEY = "";

    private static String historyKey(StateKey key) {
        return key instanceof StateKey.Record r ? r.fqn() : OUTPUT_KEY;
    }

    /** Under the scope's monitor, with the write it records. */
    private void record(ScopeId scope, ScopeData data, StateKey key, long version, String json, Instant at,
            long deployment) {
        long seq = StoredChange.seq(version, json == null);
        data.changes.computeIfAbsent(historyKey(key), k -> new TreeMap<>()).put(seq, new StoredChange(key, version, json,
                at, deployment, describe() + " " + scope + " history of '" + key.describe() + "' #" + seq));
    }

    @Override
    public Optional<HistoryStore> history() {
        return Optional.of(history);
    }

    private final HistoryStore history = new HistoryStore() {
        @Override
        public List<StoredChange> changes(ScopeId scope, StateKey key) {
            ScopeData data = data(scope);
            synchronized (data) {
                var changes = data.changes.get(historyKey(key));
                return changes == null ? List.of() : List.copyOf(changes.values());
            }
        }

        @Override
        public void forEachChange(ScopeId scope, java.util.function.Consumer<StoredChange> action) {
            List<StoredChange> all = new ArrayList<>();
            ScopeData data = data(scope);
            synchronized (data) {
                data.changes.values().forEach(changes -> all.addAll(changes.values()));
            }
            all.forEach(action);
        }

        @Override
        public void remove(ScopeId scope, java.util.Collection<StoredChange> changes) {
            ScopeData data = data(scope);
            synchronized (data) {
                for (StoredChange change : changes) {
                    var kept = data.changes.get(historyKey(change.key()));
                    if (kept != null) {
                        kept.remove(change.seq());
                        if (kept.isEmpty()) {
                            data.changes.remove(historyKey(change.key()));
                        }
                    }
                }
            }
        }
    };

    /** Under the scope's monitor, as begin's claim of a version is: one atomic step with the write. */
    private static void checkFence(ScopeId scope, ScopeData data, WriteCondition condition) {
        if (condition.isFenced() && data.control.containsKey(condition.fenceDocument())) {
            throw new StateWriteFencedException(scope, condition.fence());
        }
    }

    /** @return the current version, 0 if none; @throws StateConflictException if the condition fails */
    private static long checkCondition(ScopeId scope, StateKey key, WriteCondition condition, Entry current) {
        long currentVersion = current == null ? 0 : current.version();
        if (!condition.holdsFor(currentVersion)) {
            throw new StateConflictException(scope, key.describe(), condition.expectedVersion(),
                    current == null ? OptionalLong.empty() : OptionalLong.of(currentVersion));
        }
        return currentVersion;
    }

    private static Entry live(ScopeData data, StateKey key) {
        return key instanceof StateKey.Record r ? data.records.get(r.fqn()) : data.output;
    }

    private static long tombstone(ScopeData data, StateKey key) {
        return key instanceof StateKey.Record r ? data.tombstones.getOrDefault(r.fqn(), 0L) : data.outputTombstone;
    }

    private StoredDocument stored(ScopeId scope, StateKey key, Entry e) {
        return new StoredDocument(key, e.json(), e.version(), e.updatedAt(),
                describe() + " " + scope + " '" + key.describe() + "'");
    }

    @Override
    public Page<StoredDocument> list(ScopeId scope, String afterFqn, int limit) {
        ScopeData data = data(scope);
        synchronized (data) {
            var tail = afterFqn == null ? data.records : data.records.tailMap(afterFqn, false);
            List<StoredDocument> items = new ArrayList<>(Math.min(limit + 1, tail.size()));
            for (var e : tail.entrySet()) {
                if (items.size() > limit) {
                    break;
                }
                items.add(stored(scope, StateKey.record(e.getKey()), e.getValue()));
            }
            return Page.fromLookahead(items, limit, d -> d.key().describe());
        }
    }

    @Override
    public List<StoredDocument> listByStatus(ScopeId scope, Set<String> statuses) {
        ScopeData data = data(scope);
        synchronized (data) {
            List<StoredDocument> result = new ArrayList<>();
            data.records.forEach((fqn, e) -> {
                if (statuses.contains(e.status())) {
                    result.add(stored(scope, StateKey.record(fqn), e));
                }
            });
            return result;
        }
    }

    @Override
    public void deleteScope(ScopeId scope, WriteCondition condition) {
        if (condition.isFenced() || condition.recorded()) {
            StoreBackend.super.deleteScope(scope, condition);
            return;
        }
        ScopeData data = data(scope);
        synchronized (data) {
            for (var e : List.copyOf(data.records.entrySet())) {
                remove(data, StateKey.record(e.getKey()), e.getValue());
            }
            if (data.output != null) {
                remove(data, StateKey.output(), data.output);
            }
        }
    }

    @Override
    public Optional<ControlStore> controlStore() {
        return Optional.of(control);
    }

    /** Control documents beside the records of each scope, compared by their text under the scope's monitor. */
    private final ControlStore control = new ControlStore() {
        @Override
        public Optional<ControlDocument> read(ScopeId scope, String name) {
            ScopeData data = data(scope);
            synchronized (data) {
                return Optional.ofNullable(data.control.get(name)).map(json -> new ControlDocument(json, null));
            }
        }

        @Override
        public boolean compareAndSet(ScopeId scope, String name, Optional<ControlDocument> expected, String json) {
            ScopeData data = data(scope);
            synchronized (data) {
                if (!java.util.Objects.equals(data.control.get(name), expected.map(ControlDocument::json).orElse(null))) {
                    return false;
                }
                data.control.put(name, json);
                return true;
            }
        }

        @Override
        public boolean delete(ScopeId scope, String name, ControlDocument expected) {
            ScopeData data = data(scope);
            synchronized (data) {
                return data.control.remove(name, expected.json());
            }
        }
    };

    Optional<byte[]> rawRecord(ScopeId scope, String fqn) {
        ScopeData data = data(scope);
        synchronized (data) {
            Entry e = data.records.get(fqn);
            return e == null ? Optional.empty() : Optional.of(e.json().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    void writeRawRecord(ScopeId scope, String fqn, byte[] bytes) {
        ScopeData data = data(scope);
        synchronized (data) {
            Entry e = data.records.get(fqn);
            if (e == null) {
                throw new IllegalArgumentException("no record '" + fqn + "' in " + scope);
            }
            data.records.put(fqn, new Entry(new String(bytes, java.nio.charset.StandardCharsets.UTF_8),
                    e.status(), e.version(), e.updatedAt()));
        }
    }

    /** Data lives as long as the name is registered (see {@link MemoryStoreProvider}); closing keeps it. */
    @Override
    public void close() {}
}
