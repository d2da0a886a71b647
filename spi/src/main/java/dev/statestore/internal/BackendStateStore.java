package dev.statestore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.CorruptStateException;
import dev.statestore.InvalidStateException;
import dev.statestore.DeploymentEvent;
import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentNotFoundException;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.DeploymentSummary;
import dev.statestore.DeploymentTokenInvalidException;
import dev.statestore.Deployments;
import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.Page;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.ScopeId;
import dev.statestore.StackOutput;
import dev.statestore.StateNames;
import dev.statestore.StateScope;
import dev.statestore.Surgery;
import dev.statestore.StateStoreClosedException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.StateStore;
import dev.statestore.StoreLimits;
import dev.statestore.Versioned;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.StateJson;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Internal: the one implementation of the public API over any {@link StoreBackend}. It validates what
 * goes in and parses what comes out, so every backend behaves the same at its edges.
 */
public final class BackendStateStore implements StateStore {

    static final Duration MAX_LOCK_TTL = Duration.ofDays(7);

    private final StoreBackend backend;
    /**
     * A view for a server that holds sealed documents for clients: they pass unread (see StateStores.forServing),
     * and closing it leaves the backend to the store it was made from.
     */
    private final boolean passesSealed;
    /** What is kept of each scope's past: journals, history and its window (see StateStores' options). */
    private final Retention retention;
    /** Whether writes and deletes go into the scope's history. */
    private final boolean historyKept;
    private final StoreLimits limits;
    private volatile boolean closed;

    public BackendStateStore(StoreBackend backend) {
        this(backend, Retention.DEFAULT);
    }

    public BackendStateStore(StoreBackend backend, Retention retention) {
        this(backend, false, retention);
    }

    private BackendStateStore(StoreBackend backend, boolean passesSealed, Retention retention) {
        this.backend = backend;
        this.passesSealed = passesSealed;
        this.retention = retention;
        this.historyKept = retention.history();
        this.limits = new StoreLimits(StoreLimits.DEFAULT_MAX_DOCUMENT_BYTES,
                backend.incompressibleDocumentBytes().orElse(StoreLimits.DEFAULT_MAX_DOCUMENT_BYTES),
                // A backend with no control store of its own (HTTP) leaves leases to its server, one clock for all.
                backend.controlStore().map(ControlStore::leaseClock).orElse(StoreLimits.LeaseClock.STORE));
    }

    /**
     * The version the key's last write or deletion left (see {@link StoreBackend#lastVersion}), for a server whose
     * clients seal what they send; empty where the backend cannot say.
     */
    public java.util.OptionalLong lastVersion(ScopeId scope, StateKey key) {
        return backend().lastVersion(scope, key);
    }

    /** The same backend, with documents sealed by clients passing through as they are; closing the view closes nothing. */
    public StateStore passingSealedDocuments() {
        return passesSealed ? this : new BackendStateStore(backend, true, retention);
    }

    /**
     * Prunes the journals beyond those kept, after a deployment closed. Retention is housekeeping: a failure here
     * is logged and leaves the journals for the next end to prune, never failing the end that succeeded.
     */
    private void pruneJournals(ScopeId scope) {
        try {
            backend().deployments().pruneJournals(scope, retention.journals());
        } catch (dev.statestore.StateStoreException e) {
            org.slf4j.LoggerFactory.getLogger(BackendStateStore.class).warn(
                    "could not prune the deployment journals of {} beyond the newest {}: {}", scope, retention.journals(),
                    e.getMessage());
        }
    }

    /** Prunes the history past its window, after deployment {@code version} ended; housekeeping, as for journals. */
    private void pruneHistory(ScopeId scope, long version) {
        if (!retention.prunesHistoryAfter(version)) {
            return;
        }
        try {
            new Scope(scope).history().prune(retention.historyDeployments(), retention.historyAge());
        } catch (dev.statestore.StateStoreException e) {
            org.slf4j.LoggerFactory.getLogger(BackendStateStore.class).warn(
                    "could not prune the history of {} past its window: {}", scope, e.getMessage());
        }
    }

    /** The backend, unless this store is closed: a closed store says so instead of failing obscurely. */
    private StoreBackend backend() {
        if (closed) {
            throw new StateStoreClosedException("the state store " + backend.describe() + " is closed");
        }
        return backend;
    }

    @Override
    public StateScope scope(String stack, String stage) {
        return new Scope(new ScopeId(stack, stage));
    }

    @Override
    public List<String> stacks() {
        return backend().stacks();
    }

    @Override
    public List<String> stages(String stack) {
        return backend().stages(StateNames.requireValidStack(stack));
    }

    @Override
    public void deleteStack(String stack) {
        backend().deleteStack(StateNames.requireValidStack(stack), WriteCondition.any().recorded(historyKept));
    }

    @Override
    public List<String> diagnose() {
        return backend().diagnose();
    }

    @Override
    public String describe() {
        return backend.describe();
    }

    @Override
    public StoreLimits limits() {
        return limits;
    }

    @Override
    public synchronized void close() {
        // A view (passesSealed) closes nothing: the store it was made from owns the backend.
        if (!closed && !passesSealed) {
            closed = true;
            backend.close();
        }
    }

    @Override
    public String toString() {
        return "StateStore[" + backend.describe() + "]";
    }

    private final class Scope implements StateScope {

        private final ScopeId id;
        /** The deployment this view's writes are fenced by, or WriteCondition.UNFENCED. */
        private final long fence;

        Scope(ScopeId id) {
            this(id, WriteCondition.UNFENCED);
        }

        private Scope(ScopeId id, long fence) {
            this.id = id;
            this.fence = fence;
        }

        @Override
        public ScopeId id() {
            return id;
        }

        @Override
        public StateScope fenced(long deployment) {
            if (deployment < 1) {
                throw new InvalidStateException("a fence is the version of a deployment, at least 1, not " + deployment);
            }
            return new Scope(id, deployment);
        }

        /** The condition, carrying this view's fence and whether the change goes into the history. */
        private WriteCondition fenced(WriteCondition condition) {
            return condition.fencedBy(fence).recorded(historyKept);
        }

        @Override
        public Optional<Versioned<ResourceState>> get(String fqn) {
            StateKey key = StateKey.record(fqn);
            if (!backend().holdsNamesOfOtherWriters() && StateNames.fqnProblem(fqn).isPresent()) {
                return Optional.empty();
            }
            return backend().read(id, key).map(this::toRecord);
        }

        @Override
        public Page<Versioned<ResourceState>> list(String afterFqn, int limit) {
            if (afterFqn != null) {
                // A cursor comes from a listing of this store: only one that holds other writers' names returns those.
                if (backend().holdsNamesOfOtherWriters()) {
                    StateNames.requireReadableFqn(afterFqn);
                } else {
                    StateNames.requireValidFqn(afterFqn);
                }
            }
            if (limit < 1 || limit > MAX_PAGE_SIZE) {
                throw new InvalidStateException("a page holds 1 to " + MAX_PAGE_SIZE + " records, not " + limit);
            }
            Page<StoredDocument> page = backend().list(id, afterFqn, limit);
            List<Versioned<ResourceState>> items = new ArrayList<>(page.items().size());
            page.items().forEach(d -> items.add(toRecord(d)));
            return new Page<>(items, page.nextAfter());
        }

        @Override
        public List<Versioned<ResourceState>> listByStatus(Set<ResourceStatus> statuses) {
            if (statuses.isEmpty()) {
                return List.of();
            }
            Set<String> names = statuses.stream().map(ResourceStatus::wireName).collect(Collectors.toSet());
            List<Versioned<ResourceState>> result = new ArrayList<>();
            for (StoredDocument d : backend().listByStatus(id, names)) {
                Versioned<ResourceState> record = toRecord(d);
                // A backend's status index is a hint; the document is the truth.
                if (statuses.contains(record.value().status())) {
                    result.add(record);
                }
            }
            return result;
        }

        @Override
        public Versioned<ResourceState> create(ResourceState record) {
            requireWritableName(record.fqn());
            return writeRecord(record, fenced(WriteCondition.absent()));
        }

        @Override
        public Versioned<ResourceState> update(ResourceState record, long expectedVersion) {
            requireWritableName(record.fqn());
            requireNotCorrupt(StateKey.record(record.fqn()));
            return writeRecord(record, fenced(WriteCondition.version(expectedVersion)));
        }

        @Override
        public Versioned<ResourceState> put(ResourceState record) {
            requireWritableName(record.fqn());
            requireNotCorrupt(StateKey.record(record.fqn()));
            return writeRecord(record, fenced(WriteCondition.any()));
        }

        @Override
        public void delete(String fqn, long expectedVersion) {
            requireWritableName(fqn);
            requireNotCorrupt(StateKey.record(fqn));
            backend().delete(id, StateKey.record(fqn), fenced(WriteCondition.version(expectedVersion)));
        }

        @Override
        public boolean delete(String fqn) {
            requireWritableName(fqn);
            requireNotCorrupt(StateKey.record(fqn));
            return backend().delete(id, StateKey.record(fqn), fenced(WriteCondition.any()));
        }

        @Override
        public Optional<Versioned<StackOutput>> output() {
            return backend().read(id, StateKey.output()).map(this::toOutput);
        }

        @Override
        public Versioned<StackOutput> createOutput(StackOutput output) {
            return writeOutput(output, fenced(WriteCondition.absent()));
        }

        @Override
        public Versioned<StackOutput> updateOutput(StackOutput output, long expectedVersion) {
            requireNotCorrupt(StateKey.output());
            return writeOutput(output, fenced(WriteCondition.version(expectedVersion)));
        }

        @Override
        public Versioned<StackOutput> putOutput(StackOutput output) {
            requireNotCorrupt(StateKey.output());
            return writeOutput(output, fenced(WriteCondition.any()));
        }

        @Override
        public boolean deleteOutput() {
            requireNotCorrupt(StateKey.output());
            return backend().delete(id, StateKey.output(), fenced(WriteCondition.any()));
        }

        @Override
        public void deleteAll() {
            // Each deletion checks the fence (a deploy that lost its lease stops at its first one) and goes into the
            // history.
            backend().deleteScope(id, fenced(WriteCondition.any()));
        }

        @Override
        public LockLease acquireLock(String owner, Duration ttl) {
            return backend().deployments().acquireLock(id, requireOwner(owner), requireTtl(ttl));
        }

        @Override
        public LockLease renewLock(String lockId, Duration ttl) {
            return backend().deployments().renewLock(id, requireLockId(lockId), requireTtl(ttl));
        }

        @Override
        public void releaseLock(String lockId) {
            // The lock is the open deployment: its version says whether the history is due for pruning.
            long version = historyKept ? lockInfo().map(LockInfo::fencingToken).orElse(0L) : 0;
            backend().deployments().releaseLock(id, requireLockId(lockId));
            pruneJournals(id);
            pruneHistory(id, version);
        }

        @Override
        public Optional<LockInfo> lockInfo() {
            return backend().deployments().lockInfo(id);
        }

        @Override
        public boolean forceReleaseLock() {
            return backend().deployments().forceReleaseLock(id);
        }

        @Override
        public Deployments deployments() {
            return new ScopeDeployments(id);
        }

        @Override
        public ScopeHistory history() {
            return new ScopeHistory(this, historyKept ? backend().history().orElse(null) : null, this::toRecord,
                    this::toOutput);
        }

        @Override
        public Surgery surgery() {
            return new ScopeSurgery(this, backend(), historyKept, this::toRecord);
        }

        /**
         * Records another tool stored under a name this suite does not accept (Alchemy writes {@code /lead} and
         * {@code a//b}) are read and listed, never written or deleted one by one: each backend maps names to keys
         * on the assumption that they are valid. The message says where the record is, so it can be fixed there.
         */
        private void requireWritableName(String fqn) {
            Optional<String> problem = StateNames.fqnProblem(fqn);
            if (problem.isPresent()) {
                StateKey key = StateKey.record(fqn);
                String where = !backend().holdsNamesOfOtherWriters() ? "" : backend().read(id, key)
                        .map(stored -> " The record is stored at " + stored.location() + ".").orElse("");
                throw new InvalidStateException(problem.get() + ". This store reads such a record but never writes or "
                        + "deletes one by that name." + where + " Rename it with the tool that wrote it, or with "
                        + "'statestore repair STACK STAGE --rename OLD=NEW' (or --remove OLD), which the file store "
                        + "applies under its lock, keeping the bytes in the scope's quarantine.");
            }
        }

        /**
         * Corrupt data is never rewritten: a write that could replace a stored record (or output) reads it first,
         * and one whose bytes do not make a valid record, or that is sealed without its key here, is refused
         * whatever the write's condition ({@link CorruptStateException}, bytes untouched). Creates need no read:
         * a corrupt record is there, so a create conflicts. A backend that applies this rule on its own side
         * says so and is not read twice.
         */
        private void requireNotCorrupt(StateKey key) {
            if (backend().refusesWritesOverCorruptRecords()) {
                return;
            }
            backend().read(id, key).ifPresent(stored -> {
                if (key instanceof StateKey.Record) {
                    toRecord(stored);
                } else {
                    toOutput(stored);
                }
            });
        }

        private Versioned<ResourceState> writeRecord(ResourceState record, WriteCondition condition) {
            requireNoEnvelope(record.fqn(), record.toJsonNode());
            DocumentToWrite doc = checkedSize(DocumentToWrite.of(
                    StateKey.record(record.fqn()), record.toJsonNode(), record.status().wireName()));
            StoredDocument stored = backend().write(id, sealedVersion(doc, condition), doc);
            return new Versioned<>(record, stored.version(), stored.updatedAt());
        }

        /** A document carrying an envelope of encryption at rest would be read back as sealed, or opened as another. */
        private void requireNoEnvelope(String what, JsonNode document) {
            if (document.isObject() && document.has(EncryptingBackend.SEALED) && !passesSealed) {
                throw new InvalidStateException("'" + what + "' carries the field '" + EncryptingBackend.SEALED
                        + "', the envelope of encryption at rest: a document may not hold it (one read from a sealed "
                        + "record without its key is not the record)");
            }
        }

        private Versioned<StackOutput> writeOutput(StackOutput output, WriteCondition condition) {
            requireNoEnvelope("stack output", output.value());
            DocumentToWrite doc = checkedSize(DocumentToWrite.of(StateKey.output(), output.value(), null));
            StoredDocument stored = backend().write(id, sealedVersion(doc, condition), doc);
            return new Versioned<>(output, stored.version(), stored.updatedAt());
        }

        /**
         * What a client sealed for a version (encryption at rest on its side) is written only as that version: its
         * put or create on the condition that the key's last version is the one before, its update only if that is
         * the one it sealed for. Otherwise a concurrent writer could make it land as another version, which would
         * not open.
         */
        private WriteCondition sealedVersion(DocumentToWrite doc, WriteCondition condition) {
            JsonNode version = passesSealed ? doc.tree().path(EncryptingBackend.SEALED).path(EncryptingBackend.VERSION)
                    : null;
            if (version == null || version.isMissingNode()) {
                return condition;
            }
            long sealedFor = doc.sealedFor();
            if (sealedFor < 1) {
                throw new InvalidStateException("'" + doc.key().describe() + "' in " + id + " is sealed for version "
                        + version + ", which is not a version");
            }
            if (condition.isUnconditional() || condition.requiresAbsent()) {
                return condition.following(sealedFor - 1);
            }
            if (condition.expectedVersion() + 1 != sealedFor) {
                throw new InvalidStateException("'" + doc.key().describe() + "' in " + id + " is sealed for version "
                        + sealedFor + " and written as an update of version " + condition.expectedVersion()
                        + ", which makes version " + (condition.expectedVersion() + 1));
            }
            return condition;
        }

        private DocumentToWrite checkedSize(DocumentToWrite doc) {
            // Cheap bound first: a char is at most 3 UTF-8 bytes.
            // What a client sealed passes through a server as it is, larger by its envelope than the client's limit.
            int limit = passesSealed && doc.tree().has(EncryptingBackend.SEALED)
                    ? EncryptingBackend.sealedSize(limits.maxDocumentBytes()) : limits.maxDocumentBytes();
            if ((long) doc.json().length() * 3 > limit) {
                int bytes = doc.json().getBytes(StandardCharsets.UTF_8).length;
                if (bytes > limit) {
                    throw new InvalidStateException("'" + doc.key().describe() + "' in " + id + " is " + bytes
                            + " bytes of JSON; the limit of " + describe() + " is " + limit);
                }
            }
            return doc;
        }

        private Versioned<ResourceState> toRecord(StoredDocument stored) {
            JsonNode node = requireNotSealed(stored, parse(stored));
            if (!node.isObject()) {
                throw new CorruptStateException(stored.location(), "a record is a JSON object, found " + node.getNodeType(), null);
            }
            ResourceState record;
            try {
                record = ResourceState.of((ObjectNode) node);
            } catch (InvalidStateException e) {
                throw new CorruptStateException(stored.location(), e.getMessage(), e);
            }
            String expectedFqn = ((StateKey.Record) stored.key()).fqn();
            if (!record.fqn().equals(expectedFqn)) {
                throw new CorruptStateException(stored.location(),
                        "it holds the record '" + record.fqn() + "', not '" + expectedFqn + "'", null);
            }
            return new Versioned<>(record, stored.version(), stored.updatedAt());
        }

        private Versioned<StackOutput> toOutput(StoredDocument stored) {
            return new Versioned<>(StackOutput.of(requireNotSealed(stored, parse(stored))), stored.version(),
                    stored.updatedAt());
        }

        /**
         * A document sealed by encryption at rest reaches this layer only when the store was opened without
         * its key: read as it is, its readable fields would pass for the record, and a read-modify-write would
         * keep the old sealed content under new fields, which a reader with the key would see instead.
         */
        private JsonNode requireNotSealed(StoredDocument stored, JsonNode node) {
            JsonNode envelope = node.get(EncryptingBackend.SEALED);
            if (envelope != null && envelope.isObject() && !passesSealed) {
                throw new StateStoreMisconfiguredException("'" + stored.key().describe() + "' in " + id + " is sealed (encryption at "
                        + "rest) with the key '" + envelope.path("kid").asText() + "', and this store was opened without "
                        + "encryption: open it with encryptionKey=env:VAR or encryptionKey=file:PATH holding that key "
                        + "(at " + stored.location() + ")");
            }
            return node;
        }

        private JsonNode parse(StoredDocument stored) {
            try {
                return StateJson.parse(stored.json());
            } catch (Exception e) {
                throw new CorruptStateException(stored.location(), "not valid JSON: " + StateJson.problem(e), e);
            }
        }
    }

    /** The deployments of one scope, with their arguments checked before any I/O. */
    private final class ScopeDeployments implements Deployments {
        private final ScopeId id;

        ScopeDeployments(ScopeId id) {
            this.id = id;
        }

        @Override
        public DeploymentLease begin(DeploymentMeta meta, Duration ttl) {
            return backend().deployments().begin(id, requireMeta(meta), requireBeginTtl(ttl), null);
        }

        @Override
        public DeploymentLease begin(DeploymentMeta meta, Duration ttl, long supersede) {
            return backend().deployments().begin(id, requireMeta(meta), requireBeginTtl(ttl), supersede);
        }

        @Override
        public long appendEvents(long version, String token, List<DeploymentEvent> events) {
            if (events == null || events.stream().anyMatch(java.util.Objects::isNull)) {
                throw new InvalidStateException("events are a list of events");
            }
            return backend().deployments().appendEvents(id, requireVersion(version), requireToken(version, token),
                    List.copyOf(events));
        }

        @Override
        public void heartbeat(long version, String token) {
            backend().deployments().heartbeat(id, requireVersion(version), requireToken(version, token));
        }

        @Override
        public void end(long version, String token, DeploymentOutcome outcome, DeploymentSummary summary) {
            if (outcome == null || !outcome.isEngineOutcome()) {
                throw new InvalidStateException("a deployment ends succeeded, failed or interrupted, not " + outcome);
            }
            backend().deployments().end(id, requireVersion(version), requireToken(version, token), outcome, summary);
            // Up to version N = journals kept every journal is inside the window (ending an old one late, when newer ones
            // exist, leaves the pruning to the next end above N): spare those ends the reads.
            if (version > retention.journals()) {
                pruneJournals(id);
            }
            pruneHistory(id, version);
        }

        @Override
        public List<DeploymentRecord> list(Long before, int limit) {
            if (limit < 1 || limit > MAX_LIST) {
                throw new InvalidStateException("a list of deployments has 1 to " + MAX_LIST + " records, not " + limit);
            }
            return before != null && before <= 1 ? List.of() : backend().deployments().list(id, before, limit);
        }

        @Override
        public Optional<DeploymentRecord> get(long version) {
            return version < 1 ? Optional.empty() : backend().deployments().get(id, version);
        }

        @Override
        public List<DeploymentEvent> readEvents(long version, long fromSeq) {
            return backend().deployments().readEvents(id, requireVersion(version), Math.max(1, fromSeq));
        }

        private long requireVersion(long version) {
            if (version < 1) {
                throw new DeploymentNotFoundException(id, version);
            }
            return version;
        }

        private String requireToken(long version, String token) {
            if (token == null || token.isEmpty() || token.length() > 256) {
                throw new DeploymentTokenInvalidException(id, version);
            }
            return token;
        }
    }

    private static DeploymentMeta requireMeta(DeploymentMeta meta) {
        if (meta == null) {
            throw new InvalidStateException("a deployment needs its meta (command, initiator)");
        }
        return meta;
    }

    /** Zero is allowed, as Alchemy allows it: a begin that treats every open deployment as stale. */
    private static Duration requireBeginTtl(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.compareTo(MAX_LOCK_TTL) > 0) {
            throw new InvalidStateException("a deployment's ttl is 0 to " + MAX_LOCK_TTL.toDays() + " days, not " + ttl);
        }
        return ttl;
    }

    private static String requireOwner(String owner) {
        if (owner == null || owner.isBlank() || owner.length() > 256 || owner.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidStateException("a lock owner is 1 to 256 printable characters");
        }
        return owner;
    }

    private static Duration requireTtl(Duration ttl) {
        if (ttl == null || ttl.toMillis() < 1 || ttl.compareTo(MAX_LOCK_TTL) > 0) {
            throw new InvalidStateException("a lock lease lasts from 1 ms to " + MAX_LOCK_TTL.toDays() + " days, not " + ttl);
        }
        return ttl;
    }

    private static String requireLockId(String lockId) {
        if (lockId == null || lockId.isEmpty() || lockId.length() > 256) {
            throw new InvalidStateException("a lock id is the lockId() of a LockLease");
        }
        return lockId;
    }
}
