package dev.statestore.azblob;

import com.azure.core.http.HttpClient;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobDownloadContentResponse;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import dev.statestore.CorruptStateException;
import dev.statestore.Page;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.StateNames;
import dev.statestore.StateStoreAccessDeniedException;
import dev.statestore.StateStoreAuthenticationException;
import dev.statestore.StateStoreBackendException;
import dev.statestore.StateStoreException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.spi.ChainedHistory;
import dev.statestore.spi.ChangeJson;
import dev.statestore.spi.CheckedFence;
import dev.statestore.spi.ControlDocument;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.HistoryStore;
import dev.statestore.spi.LiveScopes;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The Azure Blob Storage backend: one block blob per document, every write one conditional Put Blob.
 *
 * <p>Blob Storage gives every write of a blob a new ETag, and a Put Blob conditional on an ETag ({@code If-Match})
 * or on there being no blob ({@code If-None-Match: *}) is atomic. So a write reads the blob's properties, checks
 * the caller's condition against the version in its metadata, and puts with the ETag it read; a 412 or 409 means
 * someone wrote in between, and the check runs again on what is there now. A record's blob is never deleted:
 * deleting puts an empty tombstone that keeps the version (metadata {@code statestore_tombstone}), so versions never
 * repeat and every write of a key, create and delete included, is one compare-and-set on that one blob.
 *
 * <p>Metadata, written with the body in the same request: {@code statestore_version}, {@code statestore_updated},
 * {@code statestore_fqn} (records; {@link AzureBlobKeys}), {@code statestore_tombstone}, {@code statestore_change}.
 * Listing a scope lists its record blobs with their metadata (one request per 5,000), skips tombstones, and sorts by
 * fqn in code point order.
 *
 * <p>Deployments (and the deploy lock) are small JSON blobs beside the records, changed the same way; leases are
 * timed on this client's clock. Blob Storage's own blob leases do not fit them (15 to 60 seconds or infinite, and no
 * takeover of a stale one by a newer deployment), so they are not used. Blob Storage has no condition across two
 * blobs, so a fenced write checks the newer deployment's blob, then writes: see {@link #diagnose()}.
 */
final class AzureBlobBackend implements StoreBackend {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AzureBlobBackend.class);

    private static final String VERSION = "statestore_version";
    private static final String UPDATED = "statestore_updated";
    private static final String FQN = "statestore_fqn";
    private static final String TOMBSTONE = "statestore_tombstone";
    /** The id of the change that wrote a blob (a record's or a change's), and on a change the id of the one before. */
    private static final String CHANGE = "statestore_change";
    private static final String PREVIOUS = "statestore_previous";
    private static final int MAX_ATTEMPTS = 50;
    private static final int LIST_PAGE = 5000;

    /** One HTTP client (its connection pool and event loops) for every store this process opens from a URL. */
    private static volatile HttpClient sharedHttp;

    private final AzureBlobOptions options;
    private final BlobContainerClient container;
    private final AzureBlobKeys keys;
    private final ExecutorService readers;
    /** The head of the last version of each blob this store read or wrote: lets an update skip its properties read. */
    private final Map<String, Head> heads = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Head> eldest) {
                    return size() > 10_000;
                }
            });

    private AzureBlobBackend(AzureBlobOptions options, BlobContainerClient container) {
        this.options = options;
        this.container = container;
        this.keys = new AzureBlobKeys(options.prefix());
        this.fence = new CheckedFence("azblob", options.fenceWindow(), (scope, name) -> exists(keys.control(scope, name)));
        this.readers = Executors.newFixedThreadPool(options.concurrency(), r -> {
            Thread t = new Thread(r, "statestore-azblob-reader");
            t.setDaemon(true);
            return t;
        });
        this.history = new ChainedHistory(new HistoryBlobs(), readers);
    }

    static AzureBlobBackend open(AzureBlobOptions options) {
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder().httpClient(http())
                .retryOptions(new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3,
                        options.timeout().dividedBy(3).plusSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(2), null));
        AzureBlobOptions.Credential credential = options.credential().orElseThrow();
        switch (credential.kind()) {
            case CONNECTION_STRING -> builder.connectionString(credential.secret());
            case SAS_TOKEN -> builder.endpoint(options.serviceUrl()).sasToken(credential.secret());
            case ACCOUNT_KEY -> builder.endpoint(options.serviceUrl())
                    .credential(new StorageSharedKeyCredential(options.account(), credential.secret()));
        }
        if (credential.kind() == AzureBlobOptions.CredentialKind.CONNECTION_STRING && options.endpoint().isPresent()) {
            builder.endpoint(options.serviceUrl());
        }
        BlobContainerClient container;
        try {
            container = builder.buildClient().getBlobContainerClient(options.container());
        } catch (IllegalArgumentException e) {
            throw new dev.statestore.InvalidStoreUrlException("cannot set up Azure Blob Storage for " + options.describe()
                    + ": " + e.getMessage());
        }
        return probed(new AzureBlobBackend(options, container));
    }

    /** A backend on the application's own container client (its credentials, retries, HTTP client); never closed here. */
    static AzureBlobBackend onClient(BlobContainerClient container, AzureBlobOptions options) {
        return probed(new AzureBlobBackend(options, container));
    }

    private static HttpClient http() {
        HttpClient http = sharedHttp;
        if (http == null) {
            synchronized (AzureBlobBackend.class) {
                if (sharedHttp == null) {
                    sharedHttp = HttpClient.createDefault();
                }
                http = sharedHttp;
            }
        }
        return http;
    }

    private static AzureBlobBackend probed(AzureBlobBackend backend) {
        try {
            if (backend.options.probe()) {
                backend.probe();
            }
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        return backend;
    }

    /** Refuses a service that accepts a second {@code If-None-Match: *} put: it would make every condition a lie. */
    private void probe() {
        BlobClient blob = container.getBlobClient(keys.root() + ".statestore-probe/" + UUID.randomUUID());
        call("probe conditional writes", () -> {
            try {
                upload(blob, "probe", Map.of(), new BlobRequestConditions().setIfNoneMatch("*"));
                boolean ignored;
                try {
                    upload(blob, "probe again", Map.of(), new BlobRequestConditions().setIfNoneMatch("*"));
                    ignored = true;
                } catch (BlobStorageException e) {
                    if (!lostRace(e)) {
                        throw e;
                    }
                    ignored = false;
                }
                if (ignored) {
                    throw new StateStoreMisconfiguredException("the Blob service of " + options.describe() + " accepted a "
                            + "second If-None-Match: * put of one blob: it ignores conditional writes, so this store would "
                            + "lose updates and its locks would not lock. Add probe=false only if you know it honours them");
                }
            } finally {
                try {
                    blob.deleteIfExists();
                } catch (RuntimeException e) {
                    LOG.debug("could not remove the probe blob {}", blob.getBlobName(), e);
                }
            }
            return null;
        });
    }

    @Override
    public String describe() {
        return options.describe();
    }

    // ---- blobs ----------------------------------------------------------------------------------

    /** What a blob's properties say: its ETag, version, time, whether it is live (not a tombstone), its change. */
    private record Head(String etag, long version, Instant updatedAt, boolean live, String change) {}

    private BlobClient blob(String name) {
        return container.getBlobClient(name);
    }

    private String location(String name) {
        return "azblob://" + options.account() + "/" + options.container() + "/" + name;
    }

    private String upload(BlobClient blob, String text, Map<String, String> metadata, BlobRequestConditions conditions) {
        return upload(blob, text.getBytes(StandardCharsets.UTF_8), metadata, conditions);
    }

    private String upload(BlobClient blob, byte[] bytes, Map<String, String> metadata, BlobRequestConditions conditions) {
        return blob.getBlockBlobClient().uploadWithResponse(new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(bytes))
                        .setHeaders(new BlobHttpHeaders().setContentType("application/json")).setMetadata(metadata)
                        .setRequestConditions(conditions), options.timeout(), Context.NONE)
                .getValue().getETag();
    }

    private Optional<Head> head(String name) {
        try {
            BlobProperties p = blob(name).getPropertiesWithResponse(null, options.timeout(), Context.NONE).getValue();
            return Optional.of(head(name, p.getETag(), p.getMetadata(), p.getLastModified().toInstant(), p.getBlobSize()));
        } catch (BlobStorageException e) {
            if (blobMissing(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private Head head(String name, String etag, Map<String, String> metadata, Instant lastModified, long size) {
        boolean tombstone = "1".equals(metadata.get(TOMBSTONE));
        if (!tombstone && size == 0) {
            throw new CorruptStateException(location(name), "an empty blob that is not marked as a tombstone", null);
        }
        return new Head(etag, version(name, metadata), updated(metadata, lastModified), !tombstone, metadata.get(CHANGE));
    }

    private long version(String name, Map<String, String> metadata) {
        String v = metadata.get(VERSION);
        if (v == null) {
            return 1; // written by hand, not by this store: taken as a first version
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new CorruptStateException(location(name), "its metadata " + VERSION + " is not a version: " + v, e);
        }
    }

    private static Instant updated(Map<String, String> metadata, Instant fallback) {
        String t = metadata.get(UPDATED);
        return t == null ? fallback : Instant.parse(t);
    }

    /** Reads a live blob, empty if it is missing or a tombstone. */
    private Optional<StoredDocument> get(StateKey stateKey, String name) {
        try {
            BlobDownloadContentResponse r = blob(name).downloadContentWithResponse(null, null, options.timeout(), Context.NONE);
            var headers = r.getDeserializedHeaders();
            Map<String, String> metadata = headers.getMetadata() == null ? Map.of() : headers.getMetadata();
            byte[] body = r.getValue().toBytes();
            Head head = head(name, headers.getETag(), metadata, headers.getLastModified().toInstant(), body.length);
            heads.put(name, head);
            if (!head.live()) {
                return Optional.empty();
            }
            return Optional.of(new StoredDocument(stateKey, new String(body, StandardCharsets.UTF_8), head.version(),
                    head.updatedAt(), location(name)));
        } catch (BlobStorageException e) {
            if (blobMissing(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** A tombstone keeps the version it replaced: the last version is the object's, live or not, or 0 for none. */
    @Override
    public OptionalLong lastVersion(ScopeId scope, StateKey key) {
        return call("read the last version of " + key.describe(),
                () -> OptionalLong.of(head(keys.document(scope, key)).map(Head::version).orElse(0L)));
    }

    @Override
    public Optional<StoredDocument> read(ScopeId scope, StateKey key) {
        return call("read " + key.describe(), () -> get(key, keys.document(scope, key)));
    }

    /** A put that lost to another writer: the ETag changed (412) or the blob now exists (409). */
    private static boolean lostRace(BlobStorageException e) {
        return e.getStatusCode() == 412 || (e.getStatusCode() == 409 && BlobErrorCode.BLOB_ALREADY_EXISTS.equals(e.getErrorCode()));
    }

    private static boolean containerMissing(BlobStorageException e) {
        return BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode());
    }

    /** A 404 of the blob itself: nothing stored there. A missing container is a misconfiguration, never "no state". */
    private static boolean blobMissing(BlobStorageException e) {
        return e.getStatusCode() == 404 && !containerMissing(e);
    }

    private static BlobRequestConditions expecting(Optional<Head> current) {
        return current.isPresent() ? new BlobRequestConditions().setIfMatch(current.get().etag())
                : new BlobRequestConditions().setIfNoneMatch("*");
    }

    private Map<String, String> metadata(StateKey key, long version, Instant now, String change) {
        Map<String, String> metadata = new HashMap<>(Map.of(VERSION, Long.toString(version), UPDATED, now.toString()));
        if (key instanceof StateKey.Record r) {
            metadata.put(FQN, AzureBlobKeys.fqnValue(r.fqn()));
        }
        if (change != null) {
            metadata.put(CHANGE, change);
        }
        return metadata;
    }

    /**
     * Puts a document once {@code condition} holds for the live version, compare-and-set on the ETag read; runs again
     * if someone wrote in between. The new version follows the current one, tombstones included.
     */
    private StoredDocument casPut(ScopeId scope, StateKey key, WriteCondition condition, String json) {
        String name = keys.document(scope, key);
        // Fast paths, one request instead of two: a create, or a write that holds whatever is there, first assumes
        // there is no blob (If-None-Match: *); an update of the version this store last saw puts on that version's
        // ETag. Either fails (409, 412) if the blob is not what it assumes, and the checked path takes over.
        Optional<Head> assumed = Optional.empty();
        if ((condition.requiresAbsent() || condition.isUnconditional())
                && (!condition.requiresLastVersion() || condition.lastVersion() == 0)) {
            assumed = Optional.of(new Head(null, 0, null, false, null));
        } else {
            Head seen = heads.get(name);
            if (seen != null && seen.live() && seen.version() == condition.expectedVersion()) {
                assumed = Optional.of(seen);
            }
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Head> current;
            if (attempt == 0 && assumed.isPresent()) {
                current = assumed.get().etag() == null ? Optional.empty() : assumed;
            } else {
                current = head(name);
            }
            // What the fast path assumes holds by construction; what was read is checked.
            long live = current.filter(Head::live).map(Head::version).orElse(0L);
            long last = current.map(Head::version).orElse(0L);
            if (!condition.holdsFor(live)) {
                throw conflict(scope, key, condition, live);
            }
            if (!condition.holdsFor(live, last)) {
                throw condition.lastVersionConflict(scope, key, live, last);
            }
            long version = last + 1;
            Instant now = Instant.now();
            String change = condition.recorded() ? history.record(scope, key, version, json, now, condition.fence(),
                    current.map(Head::change).orElse(null)) : null;
            long checked = recheckFence(scope, key, version, false, change, condition);
            try {
                String etag = upload(blob(name), json, metadata(key, version, now, change), expecting(current));
                landed(scope, condition, checked);
                heads.put(name, new Head(etag, version, now, true, change));
                return new StoredDocument(key, json, version, now, location(name));
            } catch (BlobStorageException e) {
                history.forget(scope, key, version, false, change);
                if (!lostRace(e)) {
                    throw e;
                }
            }
        }
        throw new StateStoreUnavailableException("gave up writing " + location(name) + " after " + MAX_ATTEMPTS
                + " attempts: other writers changed it every time", null);
    }

    private static StateConflictException conflict(ScopeId scope, StateKey key, WriteCondition condition, long live) {
        return new StateConflictException(scope, key.describe(), condition.expectedVersion(),
                live == 0 ? OptionalLong.empty() : OptionalLong.of(live));
    }

    @Override
    public StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document) {
        forgetListings(scope);
        return call("write " + document.key().describe(), () -> fence.fenced(scope, condition,
                () -> casPut(scope, document.key(), condition, document.json())));
    }

    @Override
    public boolean delete(ScopeId scope, StateKey key, WriteCondition condition) {
        forgetListings(scope);
        return call("delete " + key.describe(), () -> fence.fenced(scope, condition, () -> {
            String name = keys.document(scope, key);
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                Optional<Head> current = head(name).filter(Head::live);
                long live = current.map(Head::version).orElse(0L);
                if (!condition.holdsFor(live)) {
                    throw conflict(scope, key, condition, live);
                }
                if (current.isEmpty()) {
                    return false;
                }
                Instant now = Instant.now();
                String change = condition.recorded() ? history.record(scope, key, live, null, now, condition.fence(),
                        current.get().change()) : null;
                Map<String, String> metadata = metadata(key, live, now, change);
                metadata.put(TOMBSTONE, "1");
                long checked = recheckFence(scope, key, live, true, change, condition);
                try {
                    String etag = upload(blob(name), new byte[0], metadata, expecting(current));
                    landed(scope, condition, checked);
                    heads.put(name, new Head(etag, live, now, false, change));
                    return true;
                } catch (BlobStorageException e) {
                    history.forget(scope, key, live, true, change);
                    if (!lostRace(e)) {
                        throw e;
                    }
                }
            }
            throw new StateStoreUnavailableException("gave up deleting " + location(name) + " after " + MAX_ATTEMPTS
                    + " attempts: other writers changed it every time", null);
        }));
    }

    // ---- history ----------------------------------------------------------------------------------
    // No write of two blobs at once: ChainedHistory (a change blob first, then the record naming it; reads follow the
    // chain back from the record, so a change whose record never landed is never read as applied).

    private final ChainedHistory history;

    /** The change blobs, for ChainedHistory. */
    private final class HistoryBlobs implements ChainedHistory.Objects {
        @Override
        public String scopeFolder(ScopeId scope) {
            return keys.historyPrefix(scope);
        }

        @Override
        public String folder(ScopeId scope, StateKey key) {
            return keys.history(scope, key);
        }

        @Override
        public List<String> names(String prefix) {
            return AzureBlobBackend.this.names(prefix);
        }

        @Override
        public ChainedHistory.Link read(String name) {
            try {
                BlobDownloadContentResponse r = blob(name).downloadContentWithResponse(null, null, options.timeout(),
                        Context.NONE);
                Map<String, String> metadata = r.getDeserializedHeaders().getMetadata();
                return new ChainedHistory.Link(ChangeJson.fromJson(r.getValue().toString(), location(name)),
                        ChainedHistory.idOf(name), metadata == null ? null : metadata.get(PREVIOUS));
            } catch (BlobStorageException e) {
                if (blobMissing(e)) {
                    return null;
                }
                throw e;
            }
        }

        @Override
        public String pointer(ScopeId scope, StateKey key) {
            return head(keys.document(scope, key)).map(Head::change).orElse(null);
        }

        @Override
        public boolean hasRecord(ScopeId scope, StateKey key) {
            return head(keys.document(scope, key)).isPresent();
        }

        @Override
        public void delete(String name) {
            blob(name).deleteIfExists();
        }

        @Override
        public void put(String name, String json, String previous) {
            upload(blob(name), json, previous == null ? Map.of() : Map.of(PREVIOUS, previous), new BlobRequestConditions());
        }

        @Override
        public <T> T call(String what, Supplier<T> work) {
            return AzureBlobBackend.this.call(what, work);
        }
    }

    @Override
    public Optional<HistoryStore> history() {
        return Optional.of(history);
    }

    private List<String> names(String prefix) {
        List<String> found = new ArrayList<>();
        container.listBlobs(new ListBlobsOptions().setPrefix(prefix).setMaxResultsPerPage(LIST_PAGE), options.timeout())
                .forEach(b -> found.add(b.getName()));
        return found;
    }

    // ---- fenced writes ----------------------------------------------------------------------------
    // As on S3 (CheckedFence): a fenced write checks that the newer deployment's blob does not exist, then writes.

    private final CheckedFence fence;

    /** For a recorded fenced write, after its change is put: the fence's second check, right before the put, or 0. */
    private long recheckFence(ScopeId scope, StateKey key, long version, boolean deletion, String change,
            WriteCondition condition) {
        if (change == null || !condition.isFenced()) {
            return 0;
        }
        try {
            return fence.check(scope, condition);
        } catch (StateWriteFencedException e) {
            history.forget(scope, key, version, deletion, change);
            throw e;
        }
    }

    /** A recorded fenced write landed (an unrecorded one is counted by CheckedFence.fenced). */
    private void landed(ScopeId scope, WriteCondition condition, long checked) {
        if (checked != 0) {
            fence.landed(scope, condition, checked);
        }
    }

    private boolean exists(String name) {
        try {
            blob(name).getPropertiesWithResponse(null, options.timeout(), Context.NONE);
            return true;
        } catch (BlobStorageException e) {
            if (blobMissing(e)) {
                return false;
            }
            throw e;
        }
    }

    // ---- listing --------------------------------------------------------------------------------

    /** fqn to blob name of the live records of the scope, in fqn order: one listing with metadata, no reads. */
    private TreeMap<String, String> liveRecords(ScopeId scope) {
        TreeMap<String, String> result = new TreeMap<>(StateNames.ORDER);
        for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(keys.recordsPrefix(scope))
                .setMaxResultsPerPage(LIST_PAGE).setDetails(new BlobListDetails().setRetrieveMetadata(true)), options.timeout())) {
            Map<String, String> metadata = item.getMetadata() == null ? Map.of() : item.getMetadata();
            if ("1".equals(metadata.get(TOMBSTONE))) {
                continue;
            }
            String fqn = metadata.get(FQN);
            if (fqn == null) {
                throw new CorruptStateException(location(item.getName()), "a record blob whose metadata does not name "
                        + "its fqn (" + FQN + ")", null);
            }
            try {
                result.put(AzureBlobKeys.fqnOf(fqn), item.getName());
            } catch (IllegalArgumentException e) {
                throw new CorruptStateException(location(item.getName()), "its metadata " + FQN + " is not an fqn", e);
            }
        }
        return result;
    }

    /**
     * The listings that pages handed out continue from, by scope and the cursor handed out. Blob Storage cannot start
     * a listing after a name, and record blobs are named by hash, so each page would list the whole scope again: a
     * walk through a scope's pages instead reads the names once, at its first page, and each later page reads its
     * records (a record deleted since is left out, one changed is read as it is now). Any write or delete of a record
     * through this store drops the scope's listings; the walks of other clients see names as of their first page.
     */
    private final Map<String, Listing> listings = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Listing> eldest) {
            return size() > 64;
        }
    };

    private record Listing(ScopeId scope, TreeMap<String, String> live, long takenNanos) {}

    private static final long LISTING_NANOS = Duration.ofSeconds(60).toNanos();

    private static String listingKey(ScopeId scope, String after) {
        return scope.stack() + "\u0000" + scope.stage() + "\u0000" + after;
    }

    private void forgetListings(ScopeId scope) {
        synchronized (listings) {
            listings.values().removeIf(l -> l.scope().equals(scope));
        }
    }

    @Override
    public Page<StoredDocument> list(ScopeId scope, String afterFqn, int limit) {
        return call("list records", () -> {
            Listing continued = null;
            if (afterFqn != null) {
                synchronized (listings) {
                    continued = listings.remove(listingKey(scope, afterFqn));
                }
            }
            TreeMap<String, String> live = continued != null && System.nanoTime() - continued.takenNanos() < LISTING_NANOS
                    ? continued.live() : liveRecords(scope);
            long taken = continued != null ? continued.takenNanos() : System.nanoTime();
            List<Map.Entry<String, String>> page = new ArrayList<>(
                    (afterFqn == null ? live : live.tailMap(afterFqn, false)).entrySet());
            boolean more = page.size() > limit;
            if (more) {
                page = page.subList(0, limit);
            }
            List<Future<Optional<StoredDocument>>> reads = new ArrayList<>();
            for (Map.Entry<String, String> e : page) {
                reads.add(readers.submit(() -> get(StateKey.record(e.getKey()), e.getValue())));
            }
            List<StoredDocument> items = new ArrayList<>();
            for (Future<Optional<StoredDocument>> read : reads) {
                ChainedHistory.await(read).ifPresent(items::add); // one deleted since it was listed is left out
            }
            if (more) {
                String next = page.get(limit - 1).getKey();
                synchronized (listings) {
                    listings.put(listingKey(scope, next), new Listing(scope, live, taken));
                }
                return new Page<>(items, Optional.of(next));
            }
            return new Page<>(items, Optional.empty());
        });
    }

    @Override
    public List<String> stacks() {
        return call("list stacks", () -> LiveScopes.stacks(folders(keys.root()), this::liveStages));
    }

    @Override
    public List<String> stages(String stack) {
        return call("list stages", () -> liveStages(stack));
    }

    private List<String> liveStages(String stack) {
        return LiveScopes.stages(stack, folders(keys.stack(stack)), this::isLive);
    }

    /** The unescaped names of the folders right under {@code prefix}; folders this store did not name are left out. */
    private List<String> folders(String prefix) {
        List<String> names = new ArrayList<>();
        for (BlobItem item : container.listBlobsByHierarchy("/", new ListBlobsOptions().setPrefix(prefix)
                .setMaxResultsPerPage(LIST_PAGE), options.timeout())) {
            if (Boolean.TRUE.equals(item.isPrefix())) {
                String folder = item.getName().substring(prefix.length(), item.getName().length() - 1);
                try {
                    names.add(AzureBlobKeys.unescape(folder));
                } catch (IllegalArgumentException notOurs) {
                    // a folder someone else made beside the store's
                }
            }
        }
        return names;
    }

    private boolean isLive(ScopeId scope) {
        return head(keys.output(scope)).filter(Head::live).isPresent() || !liveRecords(scope).isEmpty();
    }

    @Override
    public void deleteScope(ScopeId scope, WriteCondition condition) {
        call("delete " + scope, () -> {
            for (String fqn : liveRecords(scope).keySet()) {
                delete(scope, StateKey.record(fqn), condition);
            }
            delete(scope, StateKey.output(), condition);
            return null;
        });
    }

    // ---- control documents (deployments) ---------------------------------------------------------

    /** Blobs beside the scope's records, changed by conditional puts on their ETag. */
    private final ControlStore control = new ControlStore() {
        @Override
        public Optional<ControlDocument> read(ScopeId scope, String name) {
            return call("read the control document " + name, () -> {
                try {
                    BlobDownloadContentResponse r = blob(keys.control(scope, name))
                            .downloadContentWithResponse(null, null, options.timeout(), Context.NONE);
                    return Optional.of(new ControlDocument(r.getValue().toString(), r.getDeserializedHeaders().getETag()));
                } catch (BlobStorageException e) {
                    if (blobMissing(e)) {
                        return Optional.empty();
                    }
                    throw e;
                }
            });
        }

        @Override
        public boolean compareAndSet(ScopeId scope, String name, Optional<ControlDocument> expected, String json) {
            return call("write the control document " + name, () -> {
                BlobRequestConditions conditions = expected.isPresent()
                        ? new BlobRequestConditions().setIfMatch(expected.get().tag())
                        : new BlobRequestConditions().setIfNoneMatch("*");
                try {
                    upload(blob(keys.control(scope, name)), json, Map.of(), conditions);
                    return true;
                } catch (BlobStorageException e) {
                    if (lostRace(e)) {
                        return false;
                    }
                    throw e;
                }
            });
        }

        @Override
        public boolean delete(ScopeId scope, String name, ControlDocument expected) {
            return call("delete the control document " + name, () -> {
                try {
                    blob(keys.control(scope, name)).deleteWithResponse(null,
                            new BlobRequestConditions().setIfMatch(expected.tag()), options.timeout(), Context.NONE);
                    return true;
                } catch (BlobStorageException e) {
                    if (lostRace(e) || blobMissing(e)) {
                        return false;
                    }
                    throw e;
                }
            });
        }

        @Override
        public Duration fenceSettling() {
            return fence.window();
        }
    };

    @Override
    public Optional<ControlStore> controlStore() {
        return Optional.of(control);
    }

    /** What Blob Storage can promise of fenced writes, and what this process measured of them. */
    @Override
    public List<String> diagnose() {
        return fence.diagnose("Blob Storage has no condition across two blobs");
    }

    // ---- plumbing -------------------------------------------------------------------------------

    private <T> T call(String what, Supplier<T> work) {
        try {
            return work.get();
        } catch (StateStoreException e) {
            throw e;
        } catch (BlobStorageException e) {
            String message = "cannot " + what + " in " + options.describe() + ": " + e.getStatusCode() + " "
                    + (e.getErrorCode() != null ? e.getErrorCode() : "");
            if (containerMissing(e)) {
                throw new StateStoreMisconfiguredException(message + " (the container " + options.container()
                        + " does not exist: create it, the store does not)", e);
            }
            if (e.getStatusCode() >= 500 || e.getStatusCode() == 429 || e.getStatusCode() == 408) {
                throw new StateStoreUnavailableException(message, e);
            }
            if (BlobErrorCode.AUTHENTICATION_FAILED.equals(e.getErrorCode())) {
                throw new StateStoreAuthenticationException(message + " (the credential was refused)", e);
            }
            if (e.getStatusCode() == 403) {
                throw new StateStoreAccessDeniedException(message + " (the store needs read, add, create, write, delete and "
                        + "list on the container: the Storage Blob Data Contributor role, or a SAS with rwdlac)", e);
            }
            throw new StateStoreBackendException(message + " " + e.getServiceMessage(), e);
        } catch (RuntimeException e) {
            // The SDK's transport failures arrive as runtime exceptions around an I/O error or a timeout.
            if (causedByIoOrTimeout(e)) {
                throw new StateStoreUnavailableException("cannot " + what + " in " + options.describe() + ": " + e, e);
            }
            throw new StateStoreBackendException("cannot " + what + " in " + options.describe() + ": " + e, e);
        }
    }

    private static boolean causedByIoOrTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException
                    || (t instanceof IllegalStateException && String.valueOf(t.getMessage()).startsWith("Timeout on blocking read"))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        readers.shutdownNow();
    }
}
