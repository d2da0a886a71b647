package dev.statestore.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.statestore.CorruptStateException;
import dev.statestore.LockLease;
import dev.statestore.Page;
import dev.statestore.RekeyResult;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.spi.ControlDocument;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.DeploymentJournal;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.StateJson;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Internal: re-seals a scope under the primary key. Reads the raw documents to find those sealed with
 * another key, or not bound to their versions (sealed before that was done), or not sealed at all, and rewrites
 * each one, opened and sealed again, as a conditional write on the version it read: a concurrent write wins and is
 * looked at again, never lost. Holds the scope's deploy lock meanwhile, so that a deploy is not disturbed by versions
 * that move under it. Resumable: what is already under the primary key, bound to its version, is left alone, so
 * running it again continues.
 */
final class Rekeying {

    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final int PAGE = 500;

    private final StoreBackend raw;
    private final EncryptingBackend sealed;
    private final Keyring keys;

    Rekeying(StoreBackend raw, Keyring keys) {
        this.raw = raw;
        this.keys = keys;
        this.sealed = new EncryptingBackend(raw, keys);
    }

    RekeyResult run(ScopeId scope, String owner, LongConsumer progress) {
        LockLease lease = sealed.deployments().acquireLock(scope, owner, LEASE);
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "statestore-rekey-lock-renewal");
            t.setDaemon(true);
            return t;
        });
        renewer.scheduleAtFixedRate(() -> sealed.deployments().renewLock(scope, lease.lockId(), LEASE),
                LEASE.toSeconds() / 3, LEASE.toSeconds() / 3, TimeUnit.SECONDS);
        try {
            long examined = 0;
            long resealed = 0;
            String after = null;
            while (true) {
                Page<StoredDocument> page = raw.list(scope, after, PAGE);
                for (StoredDocument document : page.items()) {
                    if (reseal(scope, document)) {
                        resealed++;
                    }
                    progress.accept(++examined);
                }
                if (!page.hasMore()) {
                    break;
                }
                after = page.nextAfter().orElseThrow();
            }
            Optional<StoredDocument> output = raw.read(scope, StateKey.output());
            if (output.isPresent()) {
                examined++;
                if (reseal(scope, output.get())) {
                    resealed++;
                }
            }
            resealControlDocuments(scope);
            return new RekeyResult(scope, keys.primary(), examined, resealed);
        } finally {
            renewer.shutdownNow();
            sealed.deployments().releaseLock(scope, lease.lockId());
        }
    }

    /** Re-seals the scope's deployments (records, journals) that are not under the primary key. */
    private void resealControlDocuments(ScopeId scope) {
        ControlStore rawControl = raw.controlStore().orElse(null);
        ControlStore sealedControl = sealed.controlStore().orElse(null);
        if (rawControl == null || sealedControl == null) {
            return; // deployments run on a server, which seals them with its own key
        }
        for (String name : DeploymentJournal.controlDocumentNames(sealedControl, scope)) {
            while (true) {
                Optional<ControlDocument> stored = rawControl.read(scope, name);
                if (stored.isEmpty() || keys.primary().equals(sealingKey(stored.get().json(), name))) {
                    break;
                }
                ControlDocument plain = sealedControl.read(scope, name).orElse(null);
                if (plain == null || sealedControl.compareAndSet(scope, name, Optional.of(plain), plain.json())) {
                    break;
                }
            }
        }
    }

    /** Re-seals one document unless it is under the primary key and bound to its version already. @return whether it wrote */
    private boolean reseal(ScopeId scope, StoredDocument current) {
        while (true) {
            JsonNode envelope = envelope(current.json(), current.location());
            if (envelope != null && keys.primary().equals(envelope.path("kid").asText(null))
                    && envelope.has(EncryptingBackend.VERSION)) {
                return false;
            }
            StoredDocument plain = sealed.open(scope, current);
            JsonNode tree;
            try {
                tree = StateJson.parse(plain.json());
            } catch (JsonProcessingException e) {
                throw new CorruptStateException(current.location(), "not valid JSON: " + e.getOriginalMessage(), e);
            }
            String status = current.key() instanceof StateKey.Record ? tree.path("status").asText(null) : null;
            try {
                sealed.write(scope, WriteCondition.version(current.version()), DocumentToWrite.of(current.key(), tree, status));
                return true;
            } catch (StateConflictException changed) {
                Optional<StoredDocument> again = raw.read(scope, current.key());
                if (again.isEmpty()) {
                    return false;
                }
                current = again.get();
            }
        }
    }

    /** The id of the key that sealed the raw document, or null if it is not sealed. */
    private static String sealingKey(String rawJson, String location) {
        JsonNode envelope = envelope(rawJson, location);
        return envelope == null ? null : envelope.path("kid").asText(null);
    }

    /** The envelope of a raw sealed document, or null if it is not sealed. */
    private static JsonNode envelope(String rawJson, String location) {
        try {
            return StateJson.parse(rawJson).get(EncryptingBackend.SEALED);
        } catch (JsonProcessingException e) {
            throw new CorruptStateException(location, "not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
