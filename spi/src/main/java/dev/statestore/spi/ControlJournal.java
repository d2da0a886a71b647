package dev.statestore.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.CorruptStateException;
import dev.statestore.DeploymentEvent;
import dev.statestore.DeploymentInProgressException;
import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentNotFoundException;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.DeploymentSummary;
import dev.statestore.DeploymentTokenInvalidException;
import dev.statestore.LockConflictException;
import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.ScopeId;
import dev.statestore.StateStoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * {@link DeploymentJournal} over a {@link ControlStore}. Every change is a read, a pure transition and a
 * compare-and-set, repeated when another writer came first.
 *
 * <p>The claim of a version is the creation of its document, which the store makes atomic: so two racing begins can
 * never both open version N, and a deployment is open from the instant it exists (no window between allocating a
 * version and opening it). {@code head} only remembers the last version so that finding it costs two reads; it may
 * lag (a begin that stopped after its claim), and the versions after it are probed.
 */
final class ControlJournal implements DeploymentJournal {

    /** Writers racing for one document: each lost race means another one won, so this is never reached in practice. */
    static final int MAX_ATTEMPTS = 64;
    /** The largest chunk of a journal, in characters of JSON: far below every backend's item limit. */
    static final int CHUNK_CHARS = 128 * 1024;
    private static final String HEAD = "head";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ControlStore store;

    ControlJournal(ControlStore store) {
        this.store = store;
    }

    // ---- stored documents ------------------------------------------------------------------------

    /** A deployment's document: the public record, the hash of its token and the names of its journal's chunks. */
    private record Stored(DeploymentRecord record, String tokenHash, List<String> chunks, ControlDocument document) {

        boolean holds(String token) {
            return MessageDigest.isEqual(tokenHash.getBytes(StandardCharsets.US_ASCII),
                    hash(token).getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static String json(DeploymentRecord record, String tokenHash, List<String> chunks) {
        ObjectNode node = DeploymentJson.record(record);
        node.put("tokenHash", tokenHash);
        ArrayNode journal = node.putArray("journal");
        chunks.forEach(journal::add);
        return StateJson.compact(node);
    }

    private Optional<Stored> readDeployment(ScopeId scope, long version) {
        String name = ControlStore.deploymentName(version);
        return store.read(scope, name).map(document -> {
            try {
                JsonNode node = StateJson.parse(document.json());
                DeploymentRecord record = DeploymentJson.record(node);
                if (record.version() != version || !record.scope().equals(scope)) {
                    throw new IllegalArgumentException("it is the record of deployment " + record.version() + " of "
                            + record.scope());
                }
                List<String> chunks = new ArrayList<>();
                node.path("journal").forEach(chunk -> chunks.add(chunk.textValue()));
                String tokenHash = node.path("tokenHash").asText("");
                return new Stored(record, tokenHash, List.copyOf(chunks), document);
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw corrupt(scope, name, e);
            }
        });
    }

    private static CorruptStateException corrupt(ScopeId scope, String name, Exception e) {
        return new CorruptStateException("the deployment document '" + name + "' of " + scope,
                e instanceof JsonProcessingException ? StateJson.problem(e) : e.getMessage(), e);
    }

    private boolean replace(ScopeId scope, Stored stored, DeploymentRecord next, List<String> chunks) {
        return store.compareAndSet(scope, ControlStore.deploymentName(next.version()), Optional.of(stored.document()),
                json(next, stored.tokenHash(), chunks));
    }

    /** The head: the last version known to exist (a lower bound), the first one, and the last whose journal is pruned. */
    private record Head(long last, long first, long prunedThrough, Optional<ControlDocument> document) {}

    private Head readHead(ScopeId scope) {
        Optional<ControlDocument> document = store.read(scope, HEAD);
        if (document.isEmpty()) {
            return new Head(0, 1, 0, document);
        }
        try {
            JsonNode node = StateJson.parse(document.get().json());
            return new Head(node.get("last").longValue(), node.get("first").longValue(),
                    node.path("prunedThrough").asLong(0), document);
        } catch (JsonProcessingException | RuntimeException e) {
            throw corrupt(scope, HEAD, e);
        }
    }

    private static String headJson(long last, long first, long prunedThrough) {
        ObjectNode node = StateJson.nodes().objectNode();
        node.put("last", last);
        node.put("first", first);
        node.put("prunedThrough", prunedThrough);
        return StateJson.compact(node);
    }

    /** The last deployment of the scope (null if none), the first version that may exist, and the head as read. */
    private record Last(@Nullable Stored stored, long version, long first, Head head) {}

    private Last findLast(ScopeId scope) {
        Head head = readHead(scope);
        if (head.document().isEmpty()) {
            head = convertLegacyLock(scope).orElse(head);
        }
        long version = head.last();
        Stored last = null;
        while (true) {
            Optional<Stored> next = readDeployment(scope, version + 1);
            if (next.isEmpty()) {
                break;
            }
            last = next.get();
            version++;
        }
        if (last == null && version > 0) {
            long known = version;
            last = readDeployment(scope, version).orElseThrow(() -> new CorruptStateException(
                    "the deployments of " + scope, "their head says version " + known + " exists, but its document is missing",
                    null));
        }
        return new Last(last, version, head.first(), head);
    }

    /**
     * Moves {@code head} on to {@code version} from the head a begin read: a hint, so losing a race to another writer
     * of it changes nothing (the versions after it are probed).
     */
    private void advanceHead(ScopeId scope, Head read, long version) {
        if (read.last() < version) {
            store.compareAndSet(scope, HEAD, read.document(), headJson(version, read.first(), read.prunedThrough()));
        }
    }

    private Optional<Head> convertLegacyLock(ScopeId scope) {
        Optional<LockState> legacy = store.legacyLock(scope);
        if (legacy.isEmpty() || store.read(scope, ControlStore.deploymentName(1)).isPresent()) {
            return Optional.empty();
        }
        LockState lock = legacy.get();
        long version = Math.max(1, lock.fencingToken());
        Duration ttl = Duration.between(lock.acquiredAt(), lock.expiresAt());
        boolean held = lock.lockId() != null;
        DeploymentRecord record = new DeploymentRecord(scope, version,
                DeploymentMeta.deploy(new DeploymentMeta.Initiator(lock.owner(), null, null)), lock.acquiredAt(),
                lock.acquiredAt(), held ? null : lock.expiresAt(), held ? null : DeploymentOutcome.SUCCEEDED, null,
                ttl.isNegative() || ttl.isZero() ? Duration.ofMillis(1) : ttl, 0, false);
        store.compareAndSet(scope, ControlStore.deploymentName(version), Optional.empty(),
                json(record, held ? hash(lock.lockId()) : "", List.of()));
        store.compareAndSet(scope, HEAD, Optional.empty(), headJson(version, version, 0));
        return Optional.of(readHead(scope));
    }

    private Instant now(ScopeId scope) {
        // Milliseconds: what every stored record keeps exactly.
        return store.time(scope).truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * A deployment's start or end, kept to the millisecond, and the instant (on this JVM's monotonic clock) that
     * millisecond is surely over. History places an unfenced write before a deployment's end when it was made within
     * that millisecond or earlier; so the begin or end that stamped it returns only once the millisecond is over, and
     * a write that follows it is never placed before it.
     */
    private record Stamp(Instant at, long overAtNanos) {

        void waitTillOver() {
            for (long left = overAtNanos - System.nanoTime(); left > 0; left = overAtNanos - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        }
    }

    private Stamp stamp(ScopeId scope) {
        Instant time = store.time(scope);
        // Read after the time came back, so a server's clock has advanced at least as far: the wait errs long.
        long read = System.nanoTime();
        Instant at = time.truncatedTo(ChronoUnit.MILLIS);
        return new Stamp(at, read + Duration.between(time, at.plusMillis(1)).toNanos());
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static StateStoreUnavailableException contended(ScopeId scope, String what) {
        return new StateStoreUnavailableException("gave up " + what + " of " + scope + " after " + MAX_ATTEMPTS
                + " attempts: other writers changed it every time", null);
    }

    private static DeploymentRecord closed(DeploymentRecord r, Instant at, DeploymentOutcome outcome,
            @Nullable DeploymentSummary summary) {
        return new DeploymentRecord(r.scope(), r.version(), r.meta(), r.startedAt(), r.heartbeatAt(), at, outcome,
                summary == null ? r.summary() : summary, r.ttl(), r.lastSeq(), r.journalPruned());
    }

    private static DeploymentRecord heartbeat(DeploymentRecord r, Instant at, @Nullable Duration ttl) {
        return new DeploymentRecord(r.scope(), r.version(), r.meta(), r.startedAt(), at, r.endedAt(), r.outcome(),
                r.summary(), ttl == null ? r.ttl() : ttl, r.lastSeq(), r.journalPruned());
    }

    // ---- begin ------------------------------------------------------------------------------------

    /** When a begin may close the open deployment it found. */
    private interface Takeover {
        boolean allows(DeploymentRecord open, Instant now);
    }

    /** A deployment a begin opened, with the token only the caller gets, and the version it took over (or null). */
    private record Opened(DeploymentRecord record, String token, @Nullable Long tookOver) {}

    @Override
    public DeploymentLease begin(ScopeId scope, DeploymentMeta meta, Duration ttl, @Nullable Long supersede) {
        // Alchemy's rule: stale when the heartbeat is at least this begin's ttl old, or named by supersede.
        Opened opened = begin(scope, meta, ttl, (open, now) -> Duration.between(open.heartbeatAt(), now).compareTo(ttl) >= 0
                || supersede != null && open.version() == supersede);
        return new DeploymentLease(scope, opened.record().version(), opened.token(), opened.tookOver());
    }

    /** Waits out the fenced writes of a deployment just taken over, where the backend cannot refuse them atomically. */
    private void settleFences(ScopeId scope) {
        Duration settling = store.fenceSettling();
        if (settling.isZero()) {
            return;
        }
        try {
            Thread.sleep(settling.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateStoreUnavailableException("interrupted while the fenced writes of the deployment that "
                    + scope + " took over were landing", e);
        }
    }

    private Opened begin(ScopeId scope, DeploymentMeta meta, Duration ttl, Takeover takeover) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Last last = findLast(scope);
            Stamp stamp = stamp(scope);
            Instant now = stamp.at();
            Long tookOver = null;
            if (last.stored() != null && last.stored().record().isOpen()) {
                DeploymentRecord open = last.stored().record();
                if (!takeover.allows(open, now)) {
                    throw new DeploymentInProgressException(open);
                }
                if (!replace(scope, last.stored(), closed(open, now, DeploymentOutcome.ABANDONED, null),
                        last.stored().chunks())) {
                    continue;
                }
                tookOver = open.version();
            }
            long version = last.version() + 1;
            String token = newToken();
            DeploymentRecord record = new DeploymentRecord(scope, version, meta, now, now, null, null, null, ttl, 0, false);
            if (store.compareAndSet(scope, ControlStore.deploymentName(version), Optional.empty(),
                    json(record, hash(token), List.of()))) {
                advanceHead(scope, last.head(), version);
                if (tookOver != null) {
                    settleFences(scope);
                }
                stamp.waitTillOver();
                return new Opened(record, token, tookOver);
            }
        }
        throw contended(scope, "beginning a deployment");
    }

    // ---- the open deployment's life ---------------------------------------------------------------

    private Stored requireHeld(ScopeId scope, long version, String token) {
        Stored stored = readDeployment(scope, version).orElseThrow(() -> new DeploymentNotFoundException(scope, version));
        if (!stored.holds(token)) {
            throw new DeploymentTokenInvalidException(scope, version);
        }
        return stored;
    }

    /** Applies {@code change} to the held deployment's record until it sticks; a null result changes nothing. */
    private void change(ScopeId scope, long version, String token, UnaryOperator<DeploymentRecord> change, String what) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Stored stored = requireHeld(scope, version, token);
            DeploymentRecord next = change.apply(stored.record());
            if (next == null || replace(scope, stored, next, stored.chunks())) {
                return;
            }
        }
        throw contended(scope, what + " deployment " + version);
    }

    @Override
    public void heartbeat(ScopeId scope, long version, String token) {
        change(scope, version, token, r -> r.isOpen() ? heartbeat(r, now(scope), null) : null, "heartbeating");
    }

    @Override
    public void end(ScopeId scope, long version, String token, DeploymentOutcome outcome,
            @Nullable DeploymentSummary summary) {
        Stamp[] ended = new Stamp[1];
        change(scope, version, token, r -> {
            if (!r.isOpen() && r.outcome() != DeploymentOutcome.ABANDONED) {
                return null;
            }
            ended[0] = stamp(scope);
            return closed(r, ended[0].at(), r.isOpen() ? outcome : DeploymentOutcome.COMPLETED_LATE, summary);
        }, "ending");
        if (ended[0] != null) {
            ended[0].waitTillOver();
        }
    }

    @Override
    public long appendEvents(ScopeId scope, long version, String token, List<DeploymentEvent> events) {
        String written = null;
        long writtenFrom = -1;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Stored stored = requireHeld(scope, version, token);
            long stored_ = stored.record().lastSeq();
            if (stored.record().journalPruned()) {
                return stored_; // retention removed this journal: a late flush of it is not kept
            }
            TreeMap<Long, DeploymentEvent> fresh = new TreeMap<>();
            for (DeploymentEvent event : events) {
                if (event.seq() > stored_) {
                    fresh.putIfAbsent(event.seq(), event);
                }
            }
            if (fresh.isEmpty()) {
                return stored_;
            }
            List<String> chunks = new ArrayList<>(stored.chunks());
            if (written == null || writtenFrom != stored_) {
                // The chunks are immutable and named uniquely: one that a failed attempt wrote and no record lists is
                // never read, so a crash between writing a chunk and listing it loses nothing but a little space.
                written = writeChunks(scope, version, fresh);
                writtenFrom = stored_;
            }
            chunks.addAll(List.of(written.split(",")));
            DeploymentRecord r = stored.record();
            DeploymentRecord next = new DeploymentRecord(scope, version, r.meta(), r.startedAt(), r.heartbeatAt(),
                    r.endedAt(), r.outcome(), r.summary(), r.ttl(), fresh.lastKey(), r.journalPruned());
            if (replace(scope, stored, next, chunks)) {
                return fresh.lastKey();
            }
        }
        throw contended(scope, "appending to deployment " + version);
    }

    /** Writes the events as new chunks. @return their names, comma-separated */
    private String writeChunks(ScopeId scope, long version, TreeMap<Long, DeploymentEvent> events) {
        List<String> names = new ArrayList<>();
        ArrayNode chunk = StateJson.nodes().arrayNode();
        int chars = 0;
        long first = events.firstKey();
        long lastSeq = first;
        for (Map.Entry<Long, DeploymentEvent> entry : events.entrySet()) {
            String event = StateJson.compact(DeploymentJson.event(entry.getValue()));
            if (chars > 0 && chars + event.length() > CHUNK_CHARS) {
                names.add(writeChunk(scope, version, first, lastSeq, chunk));
                chunk = StateJson.nodes().arrayNode();
                chars = 0;
                first = entry.getKey();
            }
            chunk.add(DeploymentJson.event(entry.getValue()));
            chars += event.length() + 1;
            lastSeq = entry.getKey();
        }
        names.add(writeChunk(scope, version, first, lastSeq, chunk));
        return String.join(",", names);
    }

    private String writeChunk(ScopeId scope, long version, long first, long last, ArrayNode events) {
        byte[] suffix = new byte[6];
        RANDOM.nextBytes(suffix);
        String name = "events/" + version + "/" + first + "-" + last + "-" + HexFormat.of().formatHex(suffix);
        if (!store.compareAndSet(scope, name, Optional.empty(), StateJson.compact(events))) {
            throw new IllegalStateException("a new, randomly named chunk " + name + " already existed");
        }
        return name;
    }

    // ---- reading ----------------------------------------------------------------------------------

    @Override
    public List<DeploymentRecord> list(ScopeId scope, @Nullable Long before, int limit) {
        Last last = findLast(scope);
        long from = before == null ? last.version() : Math.min(last.version(), before - 1);
        List<DeploymentRecord> records = new ArrayList<>();
        for (long version = from; version >= last.first() && records.size() < limit; version--) {
            if (last.stored() != null && version == last.version()) {
                records.add(last.stored().record());
            } else {
                readDeployment(scope, version).ifPresent(stored -> records.add(stored.record()));
            }
        }
        return records;
    }

    @Override
    public Optional<DeploymentRecord> get(ScopeId scope, long version) {
        return version < 1 ? Optional.empty() : readDeployment(scope, version).map(Stored::record);
    }

    @Override
    public List<DeploymentEvent> readEvents(ScopeId scope, long version, long fromSeq) {
        Stored stored = (version < 1 ? Optional.<Stored>empty() : readDeployment(scope, version))
                .orElseThrow(() -> new DeploymentNotFoundException(scope, version));
        TreeMap<Long, DeploymentEvent> events = new TreeMap<>();
        for (String chunk : stored.chunks()) {
            String[] range = chunk.substring(chunk.lastIndexOf('/') + 1).split("-");
            if (Long.parseLong(range[1]) < fromSeq) {
                continue;
            }
            String json = store.read(scope, chunk).orElseThrow(() -> new CorruptStateException("the journal chunk '"
                    + chunk + "' of deployment " + version + " of " + scope, "it is missing", null)).json();
            try {
                for (DeploymentEvent event : DeploymentJson.events(StateJson.parse(json))) {
                    if (event.seq() >= fromSeq) {
                        events.putIfAbsent(event.seq(), event);
                    }
                }
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw corrupt(scope, chunk, e);
            }
        }
        return List.copyOf(events.values());
    }

    // ---- retention --------------------------------------------------------------------------------

    @Override
    public void pruneJournals(ScopeId scope, int keep) {
        Last last = findLast(scope);
        long through = last.version() - keep;
        Head head = last.head();
        if (through < 1 || through <= head.prunedThrough()) {
            return;
        }
        for (long version = Math.max(last.first(), head.prunedThrough() + 1); version <= through; version++) {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                Optional<Stored> found = readDeployment(scope, version);
                if (found.isEmpty() || found.get().record().isOpen() || found.get().record().journalPruned()) {
                    break; // an open deployment keeps its journal (none older than the last can be open, but never prune one)
                }
                Stored stored = found.get();
                DeploymentRecord r = stored.record();
                DeploymentRecord pruned = new DeploymentRecord(scope, version, r.meta(), r.startedAt(), r.heartbeatAt(),
                        r.endedAt(), r.outcome(), r.summary(), r.ttl(), r.lastSeq(), true);
                // The record first: a reader then never follows a chunk that is gone. A crash after it leaves chunks no
                // record lists: space, not state.
                if (replace(scope, stored, pruned, List.of())) {
                    for (String chunk : stored.chunks()) {
                        store.read(scope, chunk).ifPresent(document -> store.delete(scope, chunk, document));
                    }
                    break;
                }
            }
        }
        if (head.document().isPresent()) {
            store.compareAndSet(scope, HEAD, head.document(), headJson(head.last(), head.first(), through));
        }
    }

    /** Every control document the scope's deployments use: the head, each deployment's record and journal chunks. */
    List<String> documentNames(ScopeId scope) {
        List<String> names = new ArrayList<>();
        if (store.read(scope, HEAD).isPresent()) {
            names.add(HEAD);
        }
        Last last = findLast(scope);
        for (long version = last.first(); version <= last.version(); version++) {
            readDeployment(scope, version).ifPresent(stored -> {
                names.add(ControlStore.deploymentName(stored.record().version()));
                names.addAll(stored.chunks());
            });
        }
        return names;
    }

    // ---- the deploy lock ----------------------------------------------------------------------------

    @Override
    public LockLease acquireLock(ScopeId scope, String owner, Duration ttl) {
        DeploymentMeta meta = DeploymentMeta.deploy(new DeploymentMeta.Initiator(owner, null, null));
        // The holder's own lease decides, not this caller's: a lock is held until it expires.
        Opened opened = begin(scope, meta, ttl, (open, now) -> !open.isLive(now));
        return new LockLease(scope, opened.token(), opened.record().lockInfo());
    }

    /**
     * Applies {@code change} to the live open deployment that {@code lockId} holds, given the time its lease was checked
     * at, until it sticks; a change that ends the deployment returns once its millisecond is over (see {@link Stamp}).
     * @throws LockConflictException describing the lease in force if {@code lockId} is not it
     */
    private DeploymentRecord changeLock(ScopeId scope, String lockId, String verb,
            java.util.function.BiFunction<DeploymentRecord, Instant, DeploymentRecord> change) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Stored stored = findLast(scope).stored();
            Stamp stamp = stamp(scope);
            Instant now = stamp.at();
            boolean inForce = stored != null && stored.record().isLive(now);
            if (!inForce || !stored.holds(lockId)) {
                throw new LockConflictException(scope, "cannot " + verb + ": that lock id is not the lease in force",
                        inForce ? Optional.of(stored.record().lockInfo()) : Optional.empty());
            }
            DeploymentRecord next = change.apply(stored.record(), now);
            if (replace(scope, stored, next, stored.chunks())) {
                if (!next.isOpen()) {
                    stamp.waitTillOver();
                }
                return next;
            }
        }
        throw contended(scope, "changing the deploy lock (" + verb + ")");
    }

    @Override
    public LockLease renewLock(ScopeId scope, String lockId, Duration ttl) {
        DeploymentRecord renewed = changeLock(scope, lockId, "renew", (held, now) -> heartbeat(held, now, ttl));
        return new LockLease(scope, lockId, renewed.lockInfo());
    }

    @Override
    public void releaseLock(ScopeId scope, String lockId) {
        changeLock(scope, lockId, "release", (held, now) -> closed(held, now, DeploymentOutcome.SUCCEEDED, null));
    }

    @Override
    public Optional<LockInfo> lockInfo(ScopeId scope) {
        Stored stored = findLast(scope).stored();
        return stored != null && stored.record().isLive(now(scope)) ? Optional.of(stored.record().lockInfo()) : Optional.empty();
    }

    @Override
    public boolean forceReleaseLock(ScopeId scope) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Stored stored = findLast(scope).stored();
            Stamp stamp = stamp(scope);
            Instant now = stamp.at();
            if (stored == null || !stored.record().isLive(now)) {
                return false;
            }
            if (replace(scope, stored, closed(stored.record(), now, DeploymentOutcome.ABANDONED, null), stored.chunks())) {
                stamp.waitTillOver();
                return true;
            }
        }
        throw contended(scope, "force-releasing the deploy lock");
    }
}
