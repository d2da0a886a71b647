package dev.statestore.s3;

import dev.statestore.StateStoreBackendException;
import dev.statestore.StateStoreAccessDeniedException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.Page;
import dev.statestore.CorruptStateException;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.StateNames;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.spi.ControlDocument;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.LiveScopes;
import dev.statestore.spi.LockState;
import dev.statestore.spi.StateJson;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.ChainedHistory;
import dev.statestore.spi.ClientRetries;
import dev.statestore.spi.ChangeJson;
import dev.statestore.spi.CheckedFence;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 backend: one object per document, every write a conditional {@code PutObject}.
 *
 * <p>A record's object is never deleted: deleting writes a tombstone in its place (a few bytes of white
 * space that keep the version in its metadata), so every write of a key, create and delete included, is one
 * compare-and-set on that one object's ETag ({@code If-Match}), or {@code If-None-Match: *} for a key
 * never written. A write reads the object's head, checks the caller's condition, and puts with the
 * ETag it read; a 412 or 409 means someone wrote in between, and the check runs again on what is there
 * now. No two versions of a key have the same bytes, so no two have the same ETag ({@link S3Bodies}).
 * Listing needs no extra requests to skip tombstones: they are the objects of exactly 25 bytes (see
 * {@link S3Bodies} for what is corrupt).
 *
 * <p>Versions and times live in user metadata ({@code x-amz-meta-statestore-version},
 * {@code -updated}), written with the body in the same request. Deployments (and the deploy lock) are small
 * JSON objects beside the records ({@link ControlStore}), changed the same way; leases run on this client's clock.
 */
final class S3Backend implements StoreBackend {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(S3Backend.class);

    private static final String VERSION = "statestore-version";
    private static final String UPDATED = "statestore-updated";
    /** Marks a tombstone ({@code x-amz-meta-statestore-tombstone: 1}); those of earlier releases are told by their bytes. */
    private static final String TOMBSTONE = "statestore-tombstone";
    /** The id of the change that wrote an object (a record's or a change's), and on a change the id of the one before. */
    private static final String CHANGE = "statestore-change";
    private static final String PREVIOUS = "statestore-previous";
    private static final int MAX_ATTEMPTS = 50;

    private final S3Options options;
    private final S3Client s3;
    private final S3Keys keys;
    private final ExecutorService readers;
    private final Clock clock = Clock.systemUTC();
    /** The ETag of the last version of each key this store read or wrote: lets an update skip its HEAD. */
    private final Map<String, Head> etags = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Head> eldest) {
            return size() > 10_000;
        }
    });

    /** Whether this backend made {@link #s3} and closes it; not when the application handed it over. */
    private final boolean ownsClient;

    private S3Backend(S3Options options, S3Client s3, boolean ownsClient) {
        this.options = options;
        this.s3 = s3;
        this.ownsClient = ownsClient;
        this.keys = new S3Keys(options.prefix());
        this.fence = new CheckedFence("s3", options.fenceWindow(),
                (scope, name) -> head(keys.control(scope, name)).isPresent());
        this.readers = Executors.newFixedThreadPool(options.concurrency(), r -> {
            Thread t = new Thread(r, "statestore-s3-reader");
            t.setDaemon(true);
            return t;
        });
        this.history = new ChainedHistory(new HistoryObjects(), readers);
    }

    static S3Backend open(S3Options options) {
        S3ClientBuilder builder = S3Client.builder()
                .forcePathStyle(options.pathStyle())
                // Checksums only where S3 requires them: S3-compatible servers differ on the newer ones.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.apiCallTimeout(options.timeout())
                        .apiCallAttemptTimeout(options.timeout().dividedBy(3).plusSeconds(1))
                        .addExecutionInterceptor(new RetryReporting()));
        options.region().map(Region::of).ifPresent(builder::region);
        if (options.region().isEmpty() && options.endpoint().isPresent()) {
            builder.region(Region.US_EAST_1); // S3-compatible servers ignore it, but the SDK needs one
        }
        options.endpoint().ifPresent(builder::endpointOverride);
        if (options.accessKeyId().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(options.accessKeyId().get(), options.secretAccessKey().orElseThrow())));
        } else {
            options.profile().ifPresent(p -> builder.credentialsProvider(ProfileCredentialsProvider.create(p)));
        }
        S3Client s3;
        try {
            s3 = builder.build();
        } catch (SdkClientException e) {
            throw new InvalidStoreUrlException("cannot set up S3 for " + options.describe() + ": " + e.getMessage()
                    + " (give ?region=… or set AWS_REGION)");
        }
        return probed(new S3Backend(options, s3, true));
    }

    /** A backend on the application's own client (its credentials, region, endpoint and timeouts); never closed here. */
    static S3Backend onClient(S3Client s3, S3Options options) {
        return probed(new S3Backend(options, s3, false));
    }

    private static S3Backend probed(S3Backend backend) {
        S3Options options = backend.options;
        try {
            if (options.probe()) {
                backend.probe();
            }
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        return backend;
    }

    /** Refuses a server that accepts a second {@code If-None-Match: *} put: it would make every condition a lie. */
    private void probe() {
        String key = keys.root() + ".statestore-probe/" + UUID.randomUUID();
        call("probe conditional writes", () -> {
            s3.putObject(put(key).ifNoneMatch("*").build(), RequestBody.fromString("probe"));
            boolean ignored;
            try {
                s3.putObject(put(key).ifNoneMatch("*").build(), RequestBody.fromString("probe again"));
                ignored = true;
            } catch (S3Exception e) {
                if (e.statusCode() != 412 && e.statusCode() != 409) {
                    throw e;
                }
                ignored = false;
            } finally {
                s3.deleteObject(b -> b.bucket(options.bucket()).key(key));
            }
            if (ignored) {
                throw new StateStoreMisconfiguredException("the S3 server of " + options.describe() + " accepted a second "
                        + "If-None-Match: * put of one object: it ignores conditional writes, so this store would lose "
                        + "updates and its locks would not lock. Use a server that honours them (AWS S3, Cloudflare R2, "
                        + "MinIO), or add probe=false only if you know this server does");
            }
            return null;
        });
    }

    @Override
    public String describe() {
        return options.describe();
    }

    private PutObjectRequest.Builder put(String key) {
        return PutObjectRequest.builder().bucket(options.bucket()).key(key).contentType("application/json");
    }

    // ---- objects --------------------------------------------------------------------------------

    /** What a HEAD says of an object: its ETag, version and whether it is live (not a tombstone). */
    private record Head(String etag, long version, Instant updatedAt, boolean live, String change) {}

    private Optional<Head> head(String key) {
        try {
            HeadObjectResponse r = s3.headObject(b -> b.bucket(options.bucket()).key(key));
            if (isMarkedTombstone(r.metadata())) {
                return Optional.of(new Head(r.eTag(), version(r.metadata()), updated(r.metadata(), r.lastModified()), false,
                        r.metadata().get(CHANGE)));
            }
            if (S3Bodies.isSmall(r.contentLength())) {
                // Unmarked and small: a tombstone of an earlier release, or corrupt. Its bytes tell, and its ETag is
                // taken with them; an object written again since the HEAD is what the GET got.
                ResponseBytes<GetObjectResponse> small = s3.getObjectAsBytes(b -> b.bucket(options.bucket()).key(key));
                GetObjectResponse g = small.response();
                boolean live = !isTombstone(key, g.metadata(), small.asByteArrayUnsafe());
                return Optional.of(new Head(g.eTag(), version(g.metadata()), updated(g.metadata(), g.lastModified()), live,
                        g.metadata().get(CHANGE)));
            }
            return Optional.of(new Head(r.eTag(), version(r.metadata()), updated(r.metadata(), r.lastModified()), true,
                    r.metadata().get(CHANGE)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Whether the object's metadata marks it as a tombstone, as this store writes them: then the mark decides,
     * not the bytes (seen once under racing deletes and re-creates on S3Mock: a GET of an object its HEAD sized as
     * a tombstone returned 25 bytes that were not one; not reproduced with plain PUTs by hand), and no GET is
     * needed to tell.
     */
    private static boolean isMarkedTombstone(Map<String, String> metadata) {
        return "1".equals(metadata.get(TOMBSTONE));
    }

    /**
     * Whether an object is a tombstone: marked so, or small and exactly a tombstone's bytes (as earlier releases
     * wrote them). A small object that is not one is corrupt: never taken for a deleted record, which a create
     * would overwrite.
     */
    private boolean isTombstone(String key, Map<String, String> metadata, byte[] body) {
        // body is the SDK's own array (asByteArrayUnsafe: a document is not copied to be looked at); read only.
        if (isMarkedTombstone(metadata)) {
            return true;
        }
        if (!S3Bodies.isSmall((long) body.length)) {
            return false;
        }
        if (!S3Bodies.isTombstone(body)) {
            throw corruptSmallObject(key, body.length);
        }
        return true;
    }

    private dev.statestore.CorruptStateException corruptSmallObject(String key, long size) {
        return new dev.statestore.CorruptStateException(location(key), "an object of " + size + " bytes that is "
                + "neither a record (always longer) nor a tombstone (exactly " + S3Bodies.TOMBSTONE_BYTES
                + " bytes of white space, or empty)", null);
    }

    private static long version(Map<String, String> metadata) {
        String v = metadata.get(VERSION);
        return v == null ? 1 : Long.parseLong(v);
    }

    private static Instant updated(Map<String, String> metadata, Instant fallback) {
        String t = metadata.get(UPDATED);
        return t == null ? fallback : Instant.parse(t);
    }

    private String key(ScopeId scope, StateKey key) {
        return key instanceof StateKey.Record r ? keys.record(scope, r.fqn()) : keys.output(scope);
    }

    private String location(String key) {
        return "s3://" + options.bucket() + "/" + key;
    }

    /** Reads a live object, empty if it is missing or a tombstone. */
    private Optional<StoredDocument> get(StateKey stateKey, String key) {
        try {
            ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(b -> b.bucket(options.bucket()).key(key));
            GetObjectResponse r = bytes.response();
            // The version in the bytes and the one in the metadata were written together: apart, the answer joined
            // the headers of one write to the bytes of the next. S3 never does; S3Mock does, when it streams a body
            // after its one request thread has gone on to the next write. Read again.
            long written = S3Bodies.documentVersion(bytes.asByteArrayUnsafe());
            for (int again = 0; written >= 0 && written != (isMarkedTombstone(r.metadata()) ? -1 : version(r.metadata()));
                    again++) {
                if (again == TORN_READS) {
                    throw new CorruptStateException(location(key), "its bytes say version " + written
                            + " and its metadata " + r.metadata().get(VERSION) + (isMarkedTombstone(r.metadata())
                            ? " (deleted)" : "") + ", read " + TORN_READS + " times", null);
                }
                bytes = s3.getObjectAsBytes(b -> b.bucket(options.bucket()).key(key));
                r = bytes.response();
                written = S3Bodies.documentVersion(bytes.asByteArrayUnsafe());
            }
            if (isTombstone(key, r.metadata(), bytes.asByteArrayUnsafe())) {
                return Optional.empty();
            }
            long version = version(r.metadata());
            etags.put(key, new Head(r.eTag(), version, null, true, r.metadata().get(CHANGE)));
            return Optional.of(new StoredDocument(stateKey, S3Bodies.text(bytes.asString(StandardCharsets.UTF_8)), version,
                    updated(r.metadata(), r.lastModified()), location(key)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** A tombstone keeps the version it replaced: the last version is the object's, live or not, or 0 for none. */
    @Override
    public OptionalLong lastVersion(ScopeId scope, StateKey key) {
        return call("read the last version of " + key.describe(),
                () -> OptionalLong.of(head(key(scope, key)).map(Head::version).orElse(0L)));
    }

    @Override
    public Optional<StoredDocument> read(ScopeId scope, StateKey key) {
        return call("read " + key.describe(), () -> get(key, key(scope, key)));
    }

    /** How many times a read whose bytes and metadata name different versions is made again. */
    private static final int TORN_READS = 5;

    private static boolean lostRace(S3Exception e) {
        return e.statusCode() == 412 || e.statusCode() == 409;
    }

    /**
     * Puts a document once {@code condition} holds for the live version, compare-and-set on the ETag that
     * was read; runs again if someone wrote in between. The new version follows the current one,
     * tombstones included, so versions never repeat.
     */
    private StoredDocument casPut(ScopeId scope, StateKey stateKey, WriteCondition condition, String json) {
        String key = key(scope, stateKey);
        // Fast paths, one request instead of two: a key never written takes If-None-Match: * at version 1;
        // an update of a version this store saw carries that version's ETag. Either fails with 412 if the
        // object is not what they assume, and the checked path below takes over.
        Optional<Head> assumed = Optional.empty();
        if ((condition.requiresAbsent() || condition.isUnconditional())
                && (!condition.requiresLastVersion() || condition.lastVersion() == 0)) {
            assumed = Optional.of(new Head(null, 0, null, false, null));
        } else {
            Head seen = etags.get(key);
            if (seen != null && seen.version() == condition.expectedVersion()) {
                assumed = Optional.of(seen);
            }
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Head> current;
            if (attempt == 0 && assumed.isPresent()) {
                current = assumed.get().etag() == null ? Optional.empty() : assumed;
            } else {
                current = head(key);
            }
            // What the fast path assumes holds by construction; what was read is checked.
            long live = current.filter(Head::live).map(Head::version).orElse(0L);
            long last = current.map(Head::version).orElse(0L);
            if (!condition.holdsFor(live)) {
                throw new StateConflictException(scope, stateKey.describe(), condition.expectedVersion(),
                        live == 0 ? OptionalLong.empty() : OptionalLong.of(live));
            }
            if (!condition.holdsFor(live, last)) {
                throw condition.lastVersionConflict(scope, stateKey, live, last);
            }
            long version = last + 1;
            Instant now = clock.instant();
            Map<String, String> metadata = new HashMap<>(Map.of(VERSION, Long.toString(version), UPDATED, now.toString()));
            String change = condition.recorded() ? history.record(scope, stateKey, version, json, now, condition.fence(),
                    current.map(Head::change).orElse(null)) : null;
            if (change != null) {
                metadata.put(CHANGE, change);
            }
            PutObjectRequest.Builder request = put(key).metadata(metadata);
            if (current.isPresent()) {
                request.ifMatch(current.get().etag());
            } else {
                request.ifNoneMatch("*");
            }
            long checked = recheckFence(scope, stateKey, version, false, change, condition);
            try {
                String etag = s3.putObject(request.build(), RequestBody.fromBytes(S3Bodies.document(json, version))).eTag();
                if (checked != 0) {
                    fence.landed(scope, condition, checked);
                }
                etags.put(key, new Head(etag, version, now, true, change));
                return new StoredDocument(stateKey, json, version, now, location(key));
            } catch (S3Exception e) {
                history.forget(scope, stateKey, version, false, change);
                if (!lostRace(e)) {
                    throw e;
                }
            }
        }
        throw new StateStoreUnavailableException("gave up writing " + location(key) + " after " + MAX_ATTEMPTS
                + " attempts: other writers changed it every time", null);
    }

    @Override
    public StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document) {
        return call("write " + document.key().describe(), () -> fence.fenced(scope, condition,
                () -> casPut(scope, document.key(), condition, document.json())));
    }

    @Override
    public boolean delete(ScopeId scope, StateKey key, WriteCondition condition) {
        return call("delete " + key.describe(), () -> fence.fenced(scope, condition, () -> {
            String objectKey = key(scope, key);
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                Optional<Head> current = head(objectKey).filter(Head::live);
                long live = current.map(Head::version).orElse(0L);
                if (!condition.holdsFor(live)) {
                    throw new StateConflictException(scope, key.describe(), condition.expectedVersion(),
                            live == 0 ? OptionalLong.empty() : OptionalLong.of(live));
                }
                if (current.isEmpty()) {
                    return false;
                }
                // The tombstone: a small object of white space that keeps the version it replaces.
                Instant now = clock.instant();
                Map<String, String> metadata = new HashMap<>(Map.of(VERSION, Long.toString(live), UPDATED, now.toString(),
                        TOMBSTONE, "1"));
                String change = condition.recorded() ? history.record(scope, key, live, null, now, condition.fence(),
                        current.get().change()) : null;
                if (change != null) {
                    metadata.put(CHANGE, change);
                }
                PutObjectRequest request = put(objectKey).ifMatch(current.get().etag()).metadata(metadata).build();
                long checked = recheckFence(scope, key, live, true, change, condition);
                try {
                    s3.putObject(request, RequestBody.fromBytes(S3Bodies.tombstone(live)));
                    if (checked != 0) {
                        fence.landed(scope, condition, checked);
                    }
                    return true;
                } catch (S3Exception e) {
                    history.forget(scope, key, live, true, change);
                    if (!lostRace(e)) {
                        throw e;
                    }
                }
            }
            throw new StateStoreUnavailableException("gave up deleting " + location(objectKey) + " after " + MAX_ATTEMPTS
                    + " attempts: other writers changed it every time", null);
        }));
    }

    // ---- history ----------------------------------------------------------------------------------
    // S3 has no write of two objects at once: ChainedHistory. A recorded write first puts its change,
    // P/STACK/STAGE/y/KEYHASH/SEQ-ID.json (ChangeJson; metadata: the id of the change it replaces), then the record with
    // the change's id in its metadata. A write that loses its race removes its change; one that crashes between the two
    // leaves a change no record names, which reads never reach. A write made with history off names no change, so the
    // chain (and what history can tell of that key) starts after it.

    private final ChainedHistory history;

    /** The change objects, for ChainedHistory. */
    private final class HistoryObjects implements ChainedHistory.Objects {
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
            return objectKeys(prefix);
        }

        @Override
        public ChainedHistory.Link read(String objectKey) {
            try {
                ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(b -> b.bucket(options.bucket()).key(objectKey));
                return new ChainedHistory.Link(ChangeJson.fromJson(bytes.asUtf8String(), location(objectKey)),
                        ChainedHistory.idOf(objectKey), bytes.response().metadata().get(PREVIOUS));
            } catch (S3Exception e) {
                if (e.statusCode() == 404) {
                    return null;
                }
                throw e;
            }
        }

        @Override
        public String pointer(ScopeId scope, StateKey key) {
            return head(key(scope, key)).map(Head::change).orElse(null);
        }

        @Override
        public boolean hasRecord(ScopeId scope, StateKey key) {
            return head(key(scope, key)).isPresent();
        }

        @Override
        public void delete(String objectKey) {
            s3.deleteObject(b -> b.bucket(options.bucket()).key(objectKey));
        }

        @Override
        public void put(String objectKey, String json, String previous) {
            s3.putObject(S3Backend.this.put(objectKey).metadata(previous == null ? Map.of() : Map.of(PREVIOUS, previous)).build(),
                    RequestBody.fromString(json, StandardCharsets.UTF_8));
        }

        @Override
        public <T> T call(String what, Supplier<T> work) {
            return S3Backend.this.call(what, work);
        }
    }

    @Override
    public Optional<dev.statestore.spi.HistoryStore> history() {
        return Optional.of(history);
    }

    private List<String> objectKeys(String prefix) {
        List<String> found = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(options.bucket()).prefix(prefix)).contents().forEach(o -> found.add(o.key()));
        return found;
    }

    // ---- fenced writes ----------------------------------------------------------------------------
    // S3 has no condition across two objects: CheckedFence checks for the newer deployment's record, then writes; a begin
    // that takes over waits fenceWindowMillis (ControlStore.fenceSettling).

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

    // ---- listing --------------------------------------------------------------------------------

    /**
     * fqn to object key of the live records of the scope after {@code afterFqn}, at most {@code limit}
     * of them (or all): pages of {@code ListObjectsV2} from {@code StartAfter}, skipping tombstones (the
     * objects of exactly {@link S3Bodies#TOMBSTONE_BYTES} bytes, or none), merged with the rare records whose fqn is too long for a key.
     */
    private TreeMap<String, String> liveRecords(ScopeId scope, String afterFqn, int limit) {
        TreeMap<String, String> result = new TreeMap<>(StateNames.ORDER);
        String prefix = keys.recordsPrefix(scope);
        ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(options.bucket()).prefix(prefix)
                .maxKeys(Math.min(1000, limit + 1));
        if (afterFqn != null) {
            request.startAfter(prefix + afterFqn);
        }
        String token = null;
        do {
            ListObjectsV2Response page = s3.listObjectsV2(request.continuationToken(token).build());
            for (S3Object object : page.contents()) {
                if (!S3Bodies.listsAsTombstone(object.size())) {
                    if (S3Bodies.isSmall(object.size())) {
                        throw corruptSmallObject(object.key(), object.size());
                    }
                    result.put(keys.fqnOf(scope, object.key()), object.key());
                }
            }
            token = page.isTruncated() ? page.nextContinuationToken() : null;
        } while (token != null && result.size() <= limit);
        for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(options.bucket()).prefix(keys.hashedPrefix(scope)))
                .contents()) {
            if (!S3Bodies.listsAsTombstone(object.size())) {
                // A name too long for a key: the object itself says which record it is.
                get(StateKey.output(), object.key()).map(S3Backend::fqnInside)
                        .filter(fqn -> afterFqn == null || StateNames.ORDER.compare(fqn, afterFqn) > 0)
                        .ifPresent(fqn -> result.put(fqn, object.key()));
            }
        }
        while (result.size() > limit) {
            result.pollLastEntry();
        }
        return result;
    }

    private static String fqnInside(StoredDocument d) {
        try {
            return StateJson.parse(d.json()).path("fqn").asText();
        } catch (Exception e) {
            throw new dev.statestore.CorruptStateException(d.location(), "not valid JSON: " + StateJson.problem(e), e);
        }
    }

    /** Reads the records in parallel; one deleted since it was listed is left out. */
    private List<StoredDocument> readAll(List<Map.Entry<String, String>> entries) {
        List<Future<Optional<StoredDocument>>> reads = new ArrayList<>();
        for (Map.Entry<String, String> e : entries) {
            reads.add(readers.submit(ClientRetries.carried(() -> get(StateKey.record(e.getKey()), e.getValue()))));
        }
        List<StoredDocument> result = new ArrayList<>();
        for (Future<Optional<StoredDocument>> read : reads) {
            ChainedHistory.await(read).ifPresent(result::add);
        }
        return result;
    }

    @Override
    public Page<StoredDocument> list(ScopeId scope, String afterFqn, int limit) {
        return call("list records", () -> {
            TreeMap<String, String> live = liveRecords(scope, afterFqn, limit + 1);
            List<Map.Entry<String, String>> page = new ArrayList<>(live.entrySet());
            boolean more = page.size() > limit;
            if (more) {
                page.remove(limit);
            }
            List<StoredDocument> items = readAll(page);
            return new Page<>(items, more ? Optional.of(page.get(limit - 1).getKey()) : Optional.empty());
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
        return LiveScopes.stages(stack, folders(keys.root() + stack + "/"), this::isLive);
    }

    /** The decoded names of the folders right under {@code prefix}. */
    private List<String> folders(String prefix) {
        List<String> names = new ArrayList<>();
        for (CommonPrefix p : s3.listObjectsV2Paginator(b -> b.bucket(options.bucket()).prefix(prefix).delimiter("/"))
                .commonPrefixes()) {
            String folder = p.prefix().substring(prefix.length(), p.prefix().length() - 1);
            names.add(folder);
        }
        return names;
    }

    private boolean isLive(ScopeId scope) {
        String output = keys.output(scope);
        String records = keys.recordsPrefix(scope);
        String hashed = keys.hashedPrefix(scope);
        for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(options.bucket()).prefix(keys.scope(scope))).contents()) {
            boolean document = object.key().equals(output) || object.key().startsWith(records)
                    || object.key().startsWith(hashed);
            if (document && !S3Bodies.listsAsTombstone(object.size())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void deleteScope(ScopeId scope, WriteCondition condition) {
        call("delete " + scope, () -> {
            for (String fqn : liveRecords(scope, null, Integer.MAX_VALUE - 1).keySet()) {
                delete(scope, StateKey.record(fqn), condition);
            }
            delete(scope, StateKey.output(), condition);
            return null;
        });
    }

    // ---- control documents (deployments) ---------------------------------------------------------

    private Optional<ResponseBytes<GetObjectResponse>> getIfPresent(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(options.bucket()).key(key)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Objects beside the scope's records, changed by conditional puts on their ETag. */
    private final ControlStore control = new ControlStore() {
        @Override
        public Optional<ControlDocument> read(ScopeId scope, String name) {
            return call("read the control document " + name, () -> getIfPresent(keys.control(scope, name))
                    .map(bytes -> new ControlDocument(bytes.asUtf8String(), bytes.response().eTag())));
        }

        @Override
        public boolean compareAndSet(ScopeId scope, String name, Optional<ControlDocument> expected, String json) {
            return call("write the control document " + name, () -> {
                PutObjectRequest.Builder request = put(keys.control(scope, name));
                if (expected.isPresent()) {
                    request.ifMatch(expected.get().tag());
                } else {
                    request.ifNoneMatch("*");
                }
                try {
                    s3.putObject(request.build(), RequestBody.fromString(json));
                    return true;
                } catch (S3Exception e) {
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
                    s3.deleteObject(b -> b.bucket(options.bucket()).key(keys.control(scope, name)).ifMatch(expected.tag()));
                    return true;
                } catch (S3Exception e) {
                    if (lostRace(e) || e.statusCode() == 404) {
                        return false;
                    }
                    throw e;
                }
            });
        }

        @Override
        public java.time.Duration fenceSettling() {
            return fence.window();
        }

        /** The lock object of a release before deployments. */
        @Override
        public Optional<LockState> legacyLock(ScopeId scope) {
            String key = keys.lock(scope);
            return call("read the deploy lock of an earlier release", () -> getIfPresent(key).map(bytes -> {
                try {
                    return LockState.fromJson(bytes.asUtf8String());
                } catch (IllegalArgumentException e) {
                    throw new dev.statestore.CorruptStateException(location(key), e.getMessage(), e);
                }
            }));
        }
    };

    /** What S3 can promise of fenced writes, and what this process measured of them. */
    @Override
    public List<String> diagnose() {
        return fence.diagnose("S3 has no condition across two objects");
    }

    /** Leases are timed on this process's clock: S3 has none to offer. */
    @Override
    public Optional<ControlStore> controlStore() {
        return Optional.of(control);
    }

    // ---- plumbing -------------------------------------------------------------------------------

    private <T> T call(String what, Supplier<T> work) {
        try {
            return work.get();
        } catch (S3Exception e) {
            String message = "cannot " + what + " in " + options.describe() + ": " + e.statusCode() + " "
                    + (e.awsErrorDetails() != null ? e.awsErrorDetails().errorCode() : "") + " " + e.getMessage();
            if (e.statusCode() >= 500 || e.statusCode() == 429 || e.statusCode() == 503) {
                throw new StateStoreUnavailableException(message, e);
            }
            if (e.statusCode() == 403) {
                throw new StateStoreAccessDeniedException(message + " (the store needs s3:GetObject, s3:PutObject, s3:DeleteObject "
                        + "and s3:ListBucket on the bucket and prefix)", e);
            }
            throw new StateStoreBackendException(message, e);
        } catch (SdkClientException e) {
            throw new StateStoreUnavailableException("cannot " + what + " in " + options.describe() + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new StateStoreBackendException("cannot " + what + " in " + options.describe() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        readers.shutdownNow();
        if (ownsClient) {
            s3.close();
        }
    }
}
