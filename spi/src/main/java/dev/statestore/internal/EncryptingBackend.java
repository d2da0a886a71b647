package dev.statestore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.CorruptStateException;
import dev.statestore.Page;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.spi.ControlDocument;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.DeploymentJournal;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.StateJson;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Internal: encryption at rest over any backend, switched on by the URL option {@code encryptionKey}.
 *
 * <p>A record is stored as its readable fields ({@code kind, fqn, status, resourceType, actionType}: what a
 * backend lists and indexes) and {@code __sealed__}: the whole original document, gzipped when that makes
 * it smaller, then AES-256-GCM with a fresh 96-bit nonce per write, under the primary key. The associated data binds the scope, the key (fqn or stack
 * output), the key id and the version the document is written as (named in the envelope's {@code ver}), so a
 * ciphertext copied to another record, scope or stack, or an earlier version's put back (from the history, from a
 * backup), fails to open instead of being accepted. A document sealed before versions were bound (no {@code ver})
 * still opens, bound to its scope and key only; {@code rekey} seals it again, bound. Opening returns the original
 * document exactly. A stack output is sealed whole.
 *
 * <p>A sealed document that does not open is {@link CorruptStateException} (changed, moved, or the key
 * under that id is not the one that sealed it); one sealed under an id that is not configured says which
 * id. A document stored before encryption was turned on reads as it is, and is sealed on its next write.
 */
final class EncryptingBackend implements StoreBackend {

    static final String SEALED = DocumentToWrite.SEALED;
    static final String VERSION = DocumentToWrite.SEALED_VERSION;
    private static final List<String> VISIBLE = List.of("kind", "fqn", "status", "resourceType", "actionType");
    private static final int TAG_BITS = 128;

    private final StoreBackend delegate;
    private final Keyring keys;
    private final SecureRandom random = new SecureRandom();

    EncryptingBackend(StoreBackend delegate, Keyring keys) {
        this.delegate = delegate;
        this.keys = keys;
    }

    /**
     * Binds a sealed record or stack output to its scope, key and key id, and (from the envelope's {@code ver}) to the
     * version it was written as: a version's document put back after a later write no longer opens. A version of 0 is
     * a document sealed before documents were bound to their versions.
     */
    private static byte[] associatedData(ScopeId scope, StateKey key, String keyId, long version) {
        String what = key instanceof StateKey.Record r ? "record\u0000" + r.fqn() : "output";
        return associatedData(scope, version == 0 ? what : what + "\u0000version\u0000" + version, keyId);
    }

    /** Binds a sealed document to its scope, to what it is ({@code record NUL fqn}, {@code output}, a control name) and its key. */
    private static byte[] associatedData(ScopeId scope, String what, String keyId) {
        return ("statestore/v1\u0000" + scope.stack() + "\u0000" + scope.stage() + "\u0000" + what + "\u0000" + keyId)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The document sealed for {@code version} (0: for no version, where the backend cannot say which it will be). */
    private DocumentToWrite seal(ScopeId scope, DocumentToWrite document, long version) {
        String keyId = keys.primary();
        ObjectNode out = StateJson.nodes().objectNode();
        if (document.tree().isObject() && document.key() instanceof StateKey.Record) {
            for (String field : VISIBLE) {
                JsonNode value = document.tree().get(field);
                if (value != null) {
                    out.set(field, value);
                }
            }
        }
        ObjectNode envelope = sealEnvelope(document.json().getBytes(StandardCharsets.UTF_8), keyId,
                associatedData(scope, document.key(), keyId, version));
        if (version != 0) {
            envelope.put(VERSION, version);
        }
        out.set(SEALED, envelope);
        return DocumentToWrite.of(document.key(), out, document.status());
    }

    /** The JSON text sealed under {@code keyId}: gzipped first when that makes it smaller. */
    private ObjectNode sealEnvelope(byte[] plaintext, String keyId, byte[] associatedData) {
        // Compressed before it is sealed: ciphertext does not compress, and a bundled script must still
        // fit the backends that compress (DynamoDB's items).
        boolean zipped = false;
        if (plaintext.length > 1024) {
            byte[] smaller = gzip(plaintext);
            if (smaller.length < plaintext.length) {
                plaintext = smaller;
                zipped = true;
            }
        }
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        byte[] sealed;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.key(keyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData);
            sealed = cipher.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is in every JDK", e);
        }
        ObjectNode envelope = StateJson.nodes().objectNode();
        envelope.put("alg", "A256GCM");
        envelope.put("kid", keyId);
        if (zipped) {
            envelope.put("zip", "gzip");
        }
        envelope.put("iv", Base64.getEncoder().encodeToString(nonce));
        envelope.put("ct", Base64.getEncoder().encodeToString(sealed));
        return envelope;
    }

    /** The JSON text an envelope seals. @throws CorruptStateException if it does not open */
    private String openEnvelope(JsonNode envelope, java.util.function.Function<String, byte[]> associatedData,
            String location) {
        String keyId = envelope.path("kid").asText();
        SecretKey key = keys.key(keyId);
        if (key == null) {
            throw new StateStoreMisconfiguredException("cannot read " + location + ": it is sealed with the key '" + keyId
                    + "', which is not configured (configured: " + String.join(", ", new TreeSet<>(keys.ids())) + ")");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS,
                    Base64.getDecoder().decode(envelope.path("iv").asText())));
            cipher.updateAAD(associatedData.apply(keyId));
            byte[] plain = cipher.doFinal(Base64.getDecoder().decode(envelope.path("ct").asText()));
            if ("gzip".equals(envelope.path("zip").asText())) {
                plain = gunzip(plain);
            }
            return new String(plain, StandardCharsets.UTF_8);
        } catch (AEADBadTagException | IllegalArgumentException e) {
            throw new CorruptStateException(location, "its sealed document does not open with the key '" + keyId
                    + "': it was changed, moved from another record or scope, or sealed with another key of that id", e);
        } catch (GeneralSecurityException e) {
            throw new CorruptStateException(location, "its sealed document does not open: " + e.getMessage(), e);
        }
    }

    /** The document as it was before sealing; one stored before encryption was on, as it is. */
    StoredDocument open(ScopeId scope, StoredDocument stored) {
        return open(scope, stored, false);
    }

    /**
     * A document whose version is not known (a stray file a repair may house), opened for the version it was sealed
     * for: still bound to its scope, key and key id.
     */
    StoredDocument openAnyVersion(ScopeId scope, StoredDocument stored) {
        return open(scope, stored, true);
    }

    private StoredDocument open(ScopeId scope, StoredDocument stored, boolean anyVersion) {
        JsonNode node;
        try {
            node = StateJson.parse(stored.json());
        } catch (Exception e) {
            return stored; // not JSON: the layer above reports it as corrupt, with its location
        }
        JsonNode envelope = node.get(SEALED);
        if (envelope == null) {
            return stored; // written before encryption was turned on
        }
        long sealedFor = envelope.path(VERSION).asLong(0);
        String json = openEnvelope(envelope, keyId -> associatedData(scope, stored.key(), keyId, sealedFor),
                stored.location());
        if (stored.key() instanceof StateKey.Record) {
            requireReadableFieldsMatch(stored, node, json);
        }
        // Checked once the document opened, which proves the version it was sealed for.
        if (sealedFor != 0 && sealedFor != stored.version() && !anyVersion) {
            throw new CorruptStateException(stored.location(), "its sealed document was written as version " + sealedFor
                    + ", and it is stored as version " + stored.version() + ": an earlier document put back in place of "
                    + "the current one (or the version changed outside this store)", null);
        }
        return new StoredDocument(stored.key(), json, stored.version(), stored.updatedAt(), stored.location());
    }

    /**
     * The fields kept readable beside the sealed document (for listings and indexes) must be the sealed
     * document's own: one changed outside this store would make a listing disagree with a read.
     */
    private static void requireReadableFieldsMatch(StoredDocument stored, JsonNode readable, String sealedJson) {
        JsonNode sealed;
        try {
            sealed = StateJson.parse(sealedJson);
        } catch (Exception e) {
            throw new CorruptStateException(stored.location(), "its sealed document is not JSON: " + StateJson.problem(e), e);
        }
        for (String field : VISIBLE) {
            JsonNode outside = readable.get(field);
            JsonNode inside = sealed.isObject() ? sealed.get(field) : null;
            if (!java.util.Objects.equals(outside, inside)) {
                throw new CorruptStateException(stored.location(), "its readable '" + field + "' (" + outside
                        + ") is not the one sealed with it (" + inside + "): the readable copy was changed outside "
                        + "this store", null);
            }
        }
    }

    private static byte[] gzip(byte[] data) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(data.length / 4 + 64);
        // The fastest level: most of the gain on JSON, a fraction of the time of the default.
        try (java.util.zip.GZIPOutputStream zip = new java.util.zip.GZIPOutputStream(out) {
            {
                def.setLevel(java.util.zip.Deflater.BEST_SPEED);
            }
        }) {
            zip.write(data);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Only ever given what this class sealed, after the tag checked: a failure here is corrupt data. */
    private static byte[] gunzip(byte[] data) throws GeneralSecurityException {
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("the sealed document is not gzip: " + e.getMessage(), e);
        }
    }

    private List<StoredDocument> open(ScopeId scope, List<StoredDocument> stored) {
        List<StoredDocument> result = new ArrayList<>(stored.size());
        stored.forEach(d -> result.add(open(scope, d)));
        return result;
    }

    @Override
    public String describe() {
        return delegate.describe() + " (encrypted, key " + keys.primary() + ")";
    }

    /** Where the delegate stores less than the default, the largest plain document whose sealed form it stores. */
    @Override
    public java.util.OptionalInt incompressibleDocumentBytes() {
        java.util.OptionalInt stored = delegate.incompressibleDocumentBytes();
        return stored.isPresent() ? java.util.OptionalInt.of(plainCapacity(stored.getAsInt())) : stored;
    }

    /**
     * Room for what a sealed document holds besides its ciphertext: the envelope's fields and the plain copies of
     * {@link #VISIBLE} (an fqn is at most 1 KiB; the others are short names).
     */
    private static final int ENVELOPE_ALLOWANCE = 64 * 1024;

    /**
     * The largest sealed document made of a plain one of {@code plainBytes}: the plaintext is gzipped only when that
     * makes it smaller, the cipher adds its 16-byte tag, base64 makes 4 characters of every 3 bytes.
     */
    static int sealedSize(int plainBytes) {
        return (int) Math.min(Integer.MAX_VALUE, ((long) plainBytes + 16 + 2) / 3 * 4 + ENVELOPE_ALLOWANCE);
    }

    /** The largest plain document whose sealed form is at most {@code sealedBytes}: the inverse of {@link #sealedSize}. */
    static int plainCapacity(int sealedBytes) {
        return Math.max(1, (sealedBytes - ENVELOPE_ALLOWANCE) / 4 * 3 - 16);
    }

    @Override
    public List<String> stacks() {
        return delegate.stacks();
    }

    @Override
    public List<String> stages(String stack) {
        return delegate.stages(stack);
    }

    @Override
    public Optional<StoredDocument> read(ScopeId scope, StateKey key) {
        Optional<StoredDocument> stored = delegate.read(scope, key).map(d -> open(scope, d));
        stored.ifPresent(d -> lastVersions.saw(scope, key, d.version()));
        return stored;
    }

    /**
     * Seals the document for the version it will have. An update's is known (the expected one plus one). A put or a
     * create writes on the condition that the key's last version is still the one it sealed after, so that the
     * backend stores exactly the version sealed for: the version this layer last saw of the key (read or written
     * here), 0 for a create of a key it never saw, else read first. If another writer got in between (a put's record
     * changed, or a create's key was created and deleted again), it reads again and retries, as the backend would
     * have let the write through. A backend that cannot say its last versions gets its puts and creates sealed for
     * no version.
     */
    @Override
    public StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document) {
        if (condition.requiresLastVersion() || !condition.isUnconditional() && !condition.requiresAbsent()) {
            // An update, or a condition an outer layer already bound (a server passing what its client sealed).
            long version = condition.requiresLastVersion() ? condition.lastVersion() + 1 : condition.expectedVersion() + 1;
            return written(scope, delegate.write(scope, condition, seal(scope, document, version)), document);
        }
        StateKey key = document.key();
        // The version this layer last saw of the key (a read before a put, its own last write) is tried without
        // reading; so is 0 for a create of a key it never saw (most are new). A wrong guess is a conflict, then a read.
        long last = lastVersions.guess(scope, key, condition.requiresAbsent());
        for (int attempt = 1; ; attempt++) {
            if (last < 0) {
                java.util.OptionalLong read = delegate.lastVersion(scope, key);
                lastVersions.answered(read.isPresent());
                if (read.isEmpty()) {
                    return written(scope, delegate.write(scope, condition, seal(scope, document, 0)), document);
                }
                last = read.getAsLong();
            }
            try {
                return written(scope, delegate.write(scope, condition.following(last), seal(scope, document, last + 1)),
                        document);
            } catch (StateConflictException e) {
                lastVersions.forget(scope, key);
                if (condition.requiresAbsent() && e.currentVersion().isPresent() || attempt == MAX_ATTEMPTS) {
                    throw e; // a live record refuses a create; or other writers won every time
                }
                last = -1;
            }
        }
    }

    /** How many times a put or a create reads the last version again after another writer got in between. */
    private static final int MAX_ATTEMPTS = 100;

    private StoredDocument written(ScopeId scope, StoredDocument stored, DocumentToWrite plain) {
        lastVersions.saw(scope, stored.key(), stored.version());
        return new StoredDocument(stored.key(), plain.json(), stored.version(), stored.updatedAt(), stored.location());
    }

    private final LastVersions lastVersions = new LastVersions();

    /**
     * The last version this layer saw of each recent key (bounded), to seal a put or a create without a read first;
     * used only once the backend has said a last version (one that cannot also ignores the condition that checks it).
     */
    private static final class LastVersions {
        private static final int KEPT = 10_000;

        private record Key(ScopeId scope, StateKey key) {}

        private final java.util.Map<Key, Long> seen = new java.util.LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<Key, Long> eldest) {
                return size() > KEPT;
            }
        };
        /** Whether the backend has answered a last version (until it has, none is guessed). */
        private volatile boolean said;

        /** The version to try, or -1 to read it first. */
        synchronized long guess(ScopeId scope, StateKey key, boolean create) {
            if (!said) {
                return -1;
            }
            Long version = seen.get(new Key(scope, key));
            return version != null ? version : create ? 0 : -1;
        }

        void answered(boolean says) {
            said = says;
        }

        synchronized void saw(ScopeId scope, StateKey key, long version) {
            seen.put(new Key(scope, key), version);
        }

        synchronized void forget(ScopeId scope, StateKey key) {
            seen.remove(new Key(scope, key));
        }

        synchronized void forgetAll() {
            seen.clear();
        }
    }

    @Override
    public java.util.OptionalLong lastVersion(ScopeId scope, StateKey key) {
        return delegate.lastVersion(scope, key);
    }

    @Override
    public boolean delete(ScopeId scope, StateKey key, WriteCondition condition) {
        lastVersions.forget(scope, key);
        boolean deleted = delegate.delete(scope, key, condition);
        if (deleted && !condition.isUnconditional()) {
            lastVersions.saw(scope, key, condition.expectedVersion()); // the tombstone keeps the version it deleted
        }
        return deleted;
    }

    @Override
    public Page<StoredDocument> list(ScopeId scope, String afterFqn, int limit) {
        Page<StoredDocument> page = delegate.list(scope, afterFqn, limit);
        return new Page<>(open(scope, page.items()), page.nextAfter());
    }

    /**
     * Every record of the scope, opened, filtered by its sealed status: the backend's status index reads the
     * readable copy, which no seal protects, so a record whose readable status was changed would be missed by
     * the listing that should show it. Alchemy lists this way (every record, then each one's status).
     */
    @Override
    public List<StoredDocument> listByStatus(ScopeId scope, Set<String> statuses) {
        List<StoredDocument> result = new ArrayList<>();
        String after = null;
        do {
            Page<StoredDocument> page = delegate.list(scope, after, 1000);
            for (StoredDocument stored : page.items()) {
                StoredDocument opened = open(scope, stored);
                JsonNode status;
                try {
                    status = StateJson.parse(opened.json()).get("status");
                } catch (Exception e) {
                    throw new CorruptStateException(opened.location(), "not valid JSON: " + StateJson.problem(e), e);
                }
                if (status != null && status.isTextual() && statuses.contains(status.textValue())) {
                    result.add(opened);
                }
            }
            after = page.nextAfter().orElse(null);
        } while (after != null);
        return result;
    }

    @Override
    public void deleteScope(ScopeId scope, WriteCondition condition) {
        lastVersions.forgetAll();
        delegate.deleteScope(scope, condition);
    }

    @Override
    public void deleteStack(String stack, WriteCondition condition) {
        lastVersions.forgetAll();
        delegate.deleteStack(stack, condition);
    }

    @Override
    public boolean refusesWritesOverCorruptRecords() {
        return delegate.refusesWritesOverCorruptRecords();
    }

    @Override
    public boolean holdsNamesOfOtherWriters() {
        return delegate.holdsNamesOfOtherWriters();
    }

    /** As stored (sealed or not): a repair opens what it moves into place, and removes a stray by its stored bytes. */
    @Override
    public List<dev.statestore.spi.StrayDocument> strays(ScopeId scope) {
        return delegate.strays(scope);
    }

    @Override
    public boolean removeStray(ScopeId scope, dev.statestore.spi.StrayDocument stray) {
        return delegate.removeStray(scope, stray);
    }

    /** The changes of the delegate's history, each opened as the record it was: sealed the same way, bound the same way. */
    @Override
    public Optional<dev.statestore.spi.HistoryStore> history() {
        return delegate.history().map(inner -> new dev.statestore.spi.HistoryStore() {
            @Override
            public List<dev.statestore.spi.StoredChange> changes(ScopeId scope, StateKey key) {
                List<dev.statestore.spi.StoredChange> opened = new ArrayList<>();
                inner.changes(scope, key).forEach(change -> opened.add(open(scope, change)));
                return opened;
            }

            @Override
            public void forEachChange(ScopeId scope, java.util.function.Consumer<dev.statestore.spi.StoredChange> action) {
                inner.forEachChange(scope, change -> action.accept(open(scope, change)));
            }

            @Override
            public void remove(ScopeId scope, java.util.Collection<dev.statestore.spi.StoredChange> changes) {
                inner.remove(scope, changes);
            }

            @Override
            public void sweep(ScopeId scope) {
                inner.sweep(scope);
            }
        });
    }

    private dev.statestore.spi.StoredChange open(ScopeId scope, dev.statestore.spi.StoredChange change) {
        if (change.isDeletion()) {
            return change;
        }
        StoredDocument opened = open(scope, new StoredDocument(change.key(), change.json(), change.version(), change.at(),
                change.location()));
        return new dev.statestore.spi.StoredChange(change.key(), change.version(), opened.json(), change.at(),
                change.deployment(), change.location());
    }

    @Override
    public Optional<ControlStore> controlStore() {
        return delegate.controlStore().map(SealedControl::new);
    }

    /** Deployments run by the delegate's server (which seals them with its own key) pass through. */
    @Override
    public DeploymentJournal deployments() {
        return delegate.controlStore().isPresent() ? StoreBackend.super.deployments() : delegate.deployments();
    }

    /**
     * Control documents sealed whole, bound to their scope and name. The document handed up keeps what the
     * delegate needs to compare it: its tag, or (for a delegate that compares text) the sealed text itself.
     */
    private final class SealedControl implements ControlStore {
        private final ControlStore inner;

        SealedControl(ControlStore inner) {
            this.inner = inner;
        }

        @Override
        public Optional<ControlDocument> read(ScopeId scope, String name) {
            return inner.read(scope, name).map(stored -> {
                String location = "the control document '" + name + "' of " + scope;
                String opened;
                try {
                    JsonNode node = StateJson.parse(stored.json());
                    JsonNode envelope = node.get(SEALED);
                    opened = envelope == null ? stored.json()
                            : openEnvelope(envelope, keyId -> associatedData(scope, "control\u0000" + name, keyId), location);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    opened = stored.json(); // not JSON: the journal reports it as corrupt, naming it
                }
                return new ControlDocument(opened, stored.tag() != null ? "tag:" + stored.tag() : "raw:" + stored.json());
            });
        }

        private Optional<ControlDocument> unwrap(Optional<ControlDocument> expected) {
            return expected.map(this::unwrap);
        }

        private ControlDocument unwrap(ControlDocument expected) {
            String tag = java.util.Objects.requireNonNull(expected.tag(), "a document this store read");
            return tag.startsWith("tag:") ? new ControlDocument(expected.json(), tag.substring(4))
                    : new ControlDocument(tag.substring(4), null);
        }

        @Override
        public boolean compareAndSet(ScopeId scope, String name, Optional<ControlDocument> expected, String json) {
            String keyId = keys.primary();
            ObjectNode out = StateJson.nodes().objectNode();
            out.set(SEALED, sealEnvelope(json.getBytes(StandardCharsets.UTF_8), keyId,
                    associatedData(scope, "control\u0000" + name, keyId)));
            return inner.compareAndSet(scope, name, unwrap(expected), StateJson.compact(out));
        }

        @Override
        public boolean delete(ScopeId scope, String name, ControlDocument expected) {
            return inner.delete(scope, name, unwrap(expected));
        }

        @Override
        public java.time.Instant time(ScopeId scope) {
            return inner.time(scope);
        }

        /** The delegate's: sealing changes nothing of how long its fenced writes take to land. */
        @Override
        public java.time.Duration fenceSettling() {
            return inner.fenceSettling();
        }

        @Override
        public dev.statestore.StoreLimits.LeaseClock leaseClock() {
            return inner.leaseClock();
        }

        @Override
        public Optional<dev.statestore.spi.LockState> legacyLock(ScopeId scope) {
            return inner.legacyLock(scope);
        }
    }

    @Override
    public List<String> diagnose() {
        return delegate.diagnose();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
