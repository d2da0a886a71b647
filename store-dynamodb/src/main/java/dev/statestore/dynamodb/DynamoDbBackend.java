package dev.statestore.dynamodb;

import dev.statestore.StateStoreBackendException;
import dev.statestore.StateStoreAccessDeniedException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.CorruptStateException;
import dev.statestore.InvalidStateException;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.Page;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.StateNames;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.spi.ClientRetries;
import dev.statestore.spi.ChangeSummary;
import dev.statestore.spi.ControlDocument;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.LockState;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredChange;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * The DynamoDB backend: one item per document in one table, keyed by scope and fqn.
 *
 * <pre>
 * pk = STACK/STAGE, sk = r#FQN          a record ("live" set; a tombstone keeps only its version "v")
 * pk = STACK/STAGE, sk = h#SHA256       a record whose fqn is too long for a sort key (1,024 bytes)
 * pk = STACK/STAGE, sk = o              the stack output
 * pk = STACK/STAGE, sk = x#NAME         a control document (deployments: see ControlStore): doc, v
 * pk = STACK/STAGE, sk = l              the deploy lock of a release before deployments
 * pk = STACK/STAGE, sk = c#HASH#V#I     chunk I of version V of a large document
 * pk = STACK/STAGE, sk = y#HASH#SEQ     a change of the history (see history())
 * pk = #registry,   sk = STACK/STAGE    the scopes ever written
 * </pre>
 *
 * <p>One {@code Query} lists a scope in fqn order (sort keys compare as UTF-8 bytes, which is code point
 * order) and pages. Stacks and stages come from registry items, written before a scope's first write
 * and never removed (a stale one is filtered by a liveness check), rather than from a sparse index:
 * a global index is read eventually consistently, and a destroy must see every scope. For the same
 * reason, records by status are read with a consistent {@code Query} of the scope and a filter.
 *
 * <p>Every conditional write is one request with a {@code ConditionExpression} on {@code v} (an
 * {@code UpdateItem} that counts the version on, or for an update of a known version a {@code PutItem} of
 * the whole item), or one {@code TransactWriteItems} for a large document: a JSON text over 350,000 bytes is gzipped, and
 * if still too big, split into chunk items keyed by the new version, written in the same transaction
 * as the record item; a reader gets the record item, then that version's chunks, so it never mixes two
 * versions. A document is taken if it is at most {@value #MAX_STORED_BYTES} bytes after gzip: any document of up to
 * {@value #INCOMPRESSIBLE_DOCUMENT_BYTES} bytes of JSON (the limit declared), a larger one if it compresses (a
 * bundled script of 32 MiB does). A fenced write is a
 * transaction too, with a {@code ConditionCheck} that the newer deployment's control item does not exist.
 */
final class DynamoDbBackend implements StoreBackend {

    static final int INLINE_BYTES = 350_000;
    static final int MAX_CHUNKS = 9;
    static final int MAX_STORED_BYTES = INLINE_BYTES * MAX_CHUNKS;
    /**
     * The largest document taken whatever its content: 3 MiB, which gzip (at worst 5 bytes per 64 KiB block and 18 of
     * header) keeps under {@link #MAX_STORED_BYTES}. More chunks would not fit: a transaction carries at most 4 MB.
     */
    static final int INCOMPRESSIBLE_DOCUMENT_BYTES = 3 * 1024 * 1024;
    private static final String REGISTRY = "#registry";
    private static final int MAX_SORT_KEY_BYTES = 1024;

    private final DynamoDbOptions options;
    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock = Clock.systemUTC();
    private final Set<ScopeId> registered = ConcurrentHashMap.newKeySet();

    /** Whether this backend made {@link #dynamo} and closes it; not when the application handed it over. */
    private final boolean ownsClient;

    /** Runs the second query of a listing beside the first; daemon threads, made as needed and idle ones dropped. */
    private final java.util.concurrent.ExecutorService pagers = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "statestore-dynamodb-pager");
        t.setDaemon(true);
        return t;
    });

    private DynamoDbBackend(DynamoDbOptions options, DynamoDbClient dynamo, boolean ownsClient) {
        this.options = options;
        this.dynamo = dynamo;
        this.ownsClient = ownsClient;
        this.table = options.table();
    }

    static DynamoDbBackend open(DynamoDbOptions options) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .overrideConfiguration(c -> c.apiCallTimeout(options.timeout())
                        .apiCallAttemptTimeout(options.timeout().dividedBy(3).plusSeconds(1))
                        .addExecutionInterceptor(new RetryReporting()));
        options.region().map(Region::of).ifPresent(builder::region);
        if (options.region().isEmpty() && options.endpoint().isPresent()) {
            builder.region(Region.US_EAST_1); // DynamoDB Local ignores it, but the SDK needs one
        }
        options.endpoint().ifPresent(builder::endpointOverride);
        if (options.accessKeyId().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(options.accessKeyId().get(), options.secretAccessKey().orElseThrow())));
        } else {
            options.profile().ifPresent(p -> builder.credentialsProvider(ProfileCredentialsProvider.create(p)));
        }
        DynamoDbClient dynamo;
        try {
            dynamo = builder.build();
        } catch (SdkClientException e) {
            throw new InvalidStoreUrlException("cannot set up DynamoDB for " + options.describe() + ": " + e.getMessage()
                    + " (give ?region=… or set AWS_REGION)");
        }
        return withTable(new DynamoDbBackend(options, dynamo, true));
    }

    /** A backend on the application's own client (its credentials, region, endpoint and timeouts); never closed here. */
    static DynamoDbBackend onClient(DynamoDbClient dynamo, DynamoDbOptions options) {
        return withTable(new DynamoDbBackend(options, dynamo, false));
    }

    private static DynamoDbBackend withTable(DynamoDbBackend backend) {
        try {
            backend.call("open the table", () -> {
                backend.ensureTable();
                return null;
            });
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        return backend;
    }

    private void ensureTable() {
        TableDescription description;
        try {
            description = dynamo.describeTable(b -> b.tableName(table)).table();
        } catch (ResourceNotFoundException e) {
            if (!options.createTable()) {
                throw new StateStoreMisconfiguredException("the table " + table + " does not exist in " + options.describe()
                        + ": create it with partition key pk (String) and sort key sk (String), or add createTable=true");
            }
            try {
                dynamo.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build(),
                                AttributeDefinition.builder().attributeName("sk").attributeType(ScalarAttributeType.S).build())
                        .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build()));
            } catch (ResourceInUseException createdMeanwhile) {
                // Another process created it first.
            }
            dynamo.waiter().waitUntilTableExists(b -> b.tableName(table));
            return;
        }
        List<KeySchemaElement> schema = description.keySchema();
        boolean ok = schema.size() == 2 && schema.stream().anyMatch(k -> k.attributeName().equals("pk") && k.keyType() == KeyType.HASH)
                && schema.stream().anyMatch(k -> k.attributeName().equals("sk") && k.keyType() == KeyType.RANGE);
        if (!ok) {
            throw new StateStoreMisconfiguredException("the table " + table + " has the key schema " + schema
                    + "; this store needs partition key pk (String) and sort key sk (String)");
        }
    }

    @Override
    public String describe() {
        return options.describe();
    }

    // ---- keys -----------------------------------------------------------------------------------

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static String pk(ScopeId scope) {
        return scope.stack() + "/" + scope.stage();
    }

    private static String sk(StateKey key) {
        if (!(key instanceof StateKey.Record r)) {
            return "o";
        }
        String sk = "r#" + r.fqn();
        return sk.getBytes(StandardCharsets.UTF_8).length <= MAX_SORT_KEY_BYTES ? sk : "h#" + sha256(r.fqn());
    }

    private static Map<String, AttributeValue> itemKey(String pk, String sk) {
        return Map.of("pk", s(pk), "sk", s(sk));
    }

    private static String chunkSk(StateKey key, long version, int index) {
        return chunkPrefix(key, version) + index;
    }

    /** What the sort keys of every chunk of one version of a document start with. */
    private static String chunkPrefix(StateKey key, long version) {
        return "c#" + sha256(key instanceof StateKey.Record r ? "r" + r.fqn() : "o") + "#" + version + "#";
    }

    private String location(ScopeId scope, String sk) {
        return options.describe() + " item (" + pk(scope) + ", " + sk + ")";
    }

    // ---- scopes ---------------------------------------------------------------------------------

    private void register(ScopeId scope) {
        if (registered.add(scope)) {
            try {
                dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", s(REGISTRY), "sk", s(pk(scope)),
                        "stack", s(scope.stack()), "stage", s(scope.stage()))));
            } catch (RuntimeException e) {
                registered.remove(scope);
                throw e;
            }
        }
    }

    private List<Map<String, AttributeValue>> queryAll(QueryRequest request) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        dynamo.queryPaginator(request).items().forEach(items::add);
        return items;
    }

    @Override
    public List<String> stacks() {
        return call("list stacks", () -> {
            TreeMap<String, Boolean> stacks = new TreeMap<>(StateNames.ORDER);
            for (Map<String, AttributeValue> item : registry(null)) {
                String stack = item.get("stack").s();
                if (!stacks.getOrDefault(stack, false)) {
                    stacks.put(stack, isLive(new ScopeId(stack, item.get("stage").s())));
                }
            }
            List<String> result = new ArrayList<>();
            stacks.forEach((stack, live) -> {
                if (live) {
                    result.add(stack);
                }
            });
            return result;
        });
    }

    @Override
    public List<String> stages(String stack) {
        return call("list stages", () -> {
            List<String> result = new ArrayList<>();
            for (Map<String, AttributeValue> item : registry(stack)) {
                String stage = item.get("stage").s();
                if (isLive(new ScopeId(stack, stage))) {
                    result.add(stage);
                }
            }
            result.sort(StateNames.ORDER);
            return result;
        });
    }

    private List<Map<String, AttributeValue>> registry(String stack) {
        QueryRequest.Builder q = QueryRequest.builder().tableName(table).consistentRead(true);
        if (stack == null) {
            q.keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(REGISTRY)));
        } else {
            q.keyConditionExpression("pk = :pk AND begins_with(sk, :stack)")
                    .expressionAttributeValues(Map.of(":pk", s(REGISTRY), ":stack", s(stack + "/")));
        }
        return queryAll(q.build());
    }

    /** Whether the scope holds a live record or stack output (the lock and chunks do not count). */
    private boolean isLive(ScopeId scope) {
        QueryRequest request = QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk")
                .filterExpression("attribute_exists(#live)")
                .expressionAttributeNames(Map.of("#live", "live"))
                .expressionAttributeValues(Map.of(":pk", s(pk(scope))))
                .projectionExpression("sk").build();
        for (QueryResponse page : dynamo.queryPaginator(request)) {
            if (page.count() > 0) {
                return true;
            }
        }
        return false;
    }

    // ---- documents ------------------------------------------------------------------------------

    /** The document of an item, assembled from its chunks if it has any; empty if they changed meanwhile. */
    private Optional<String> body(ScopeId scope, StateKey key, Map<String, AttributeValue> item) {
        if (item.containsKey("doc")) {
            return Optional.of(item.get("doc").s());
        }
        if (item.containsKey("z")) {
            return Optional.of(gunzip(item.get("z").b().asByteArray(), location(scope, item.get("sk").s())));
        }
        if (!item.containsKey("n")) {
            throw new CorruptStateException(location(scope, item.get("sk").s()), "a live item without a document", null);
        }
        long version = Long.parseLong(item.get("v").n());
        int count = Integer.parseInt(item.get("n").n());
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(itemKey(pk(scope), chunkSk(key, version, i)));
        }
        Map<String, byte[]> parts = new HashMap<>();
        Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
        while (!request.isEmpty() && !request.get(table).keys().isEmpty()) {
            Map<String, KeysAndAttributes> pending = request;
            var response = dynamo.batchGetItem(b -> b.requestItems(pending));
            response.responses().getOrDefault(table, List.of())
                    .forEach(c -> parts.put(c.get("sk").s(), c.get("z").b().asByteArray()));
            var unprocessed = response.unprocessedKeys();
            if (unprocessed == null || unprocessed.isEmpty()) {
                break;
            }
            request = unprocessed;
        }
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            byte[] part = parts.get(chunkSk(key, version, i));
            if (part == null) {
                return Optional.empty(); // a newer version replaced this one and removed its chunks
            }
            zipped.writeBytes(part);
        }
        return Optional.of(gunzip(zipped.toByteArray(), location(scope, item.get("sk").s())));
    }

    @Override
    public Optional<StoredDocument> read(ScopeId scope, StateKey key) {
        return call("read " + key.describe(), () -> {
            String sk = sk(key);
            for (int attempt = 0; attempt < 10; attempt++) {
                Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(itemKey(pk(scope), sk))
                        .consistentRead(true)).item();
                if (item == null || !item.containsKey("live")) {
                    return Optional.empty();
                }
                Optional<String> body = body(scope, key, item);
                if (body.isPresent()) {
                    return Optional.of(stored(scope, key, item, body.get()));
                }
            }
            throw new StateStoreUnavailableException("gave up reading " + location(scope, sk)
                    + ": it was replaced during every read", null);
        });
    }

    private StoredDocument stored(ScopeId scope, StateKey key, Map<String, AttributeValue> item, String body) {
        return new StoredDocument(key, body, Long.parseLong(item.get("v").n()), Instant.parse(item.get("updatedAt").s()),
                location(scope, item.get("sk").s()));
    }

    /** How a document is stored: inline text, one gzipped value, or gzipped chunks. */
    private record Encoded(String text, byte[] zipped, List<byte[]> chunks) {}

    private Encoded encode(ScopeId scope, DocumentToWrite document) {
        byte[] utf8 = document.json().getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= INLINE_BYTES) {
            return new Encoded(document.json(), null, List.of());
        }
        byte[] zipped = gzip(utf8);
        if (zipped.length <= INLINE_BYTES) {
            return new Encoded(null, zipped, List.of());
        }
        if (zipped.length > MAX_STORED_BYTES) {
            throw new InvalidStateException("'" + document.key().describe() + "' in " + scope + " is " + utf8.length
                    + " bytes of JSON, " + zipped.length + " after gzip; the limit of " + describe() + " is "
                    + MAX_STORED_BYTES + " bytes after gzip (" + MAX_CHUNKS + " chunks in one transaction), which any "
                    + "document of up to " + INCOMPRESSIBLE_DOCUMENT_BYTES + " bytes of JSON meets");
        }
        List<byte[]> chunks = new ArrayList<>();
        for (int at = 0; at < zipped.length; at += INLINE_BYTES) {
            chunks.add(Arrays.copyOfRange(zipped, at, Math.min(zipped.length, at + INLINE_BYTES)));
        }
        return new Encoded(null, null, chunks);
    }

    @Override
    public OptionalInt incompressibleDocumentBytes() {
        return OptionalInt.of(INCOMPRESSIBLE_DOCUMENT_BYTES);
    }

    @Override
    public StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document) {
        StateKey key = document.key();
        Encoded encoded = encode(scope, document);
        return call("write " + key.describe(), () -> {
            if (condition.isUnconditional() || condition.requiresAbsent()) {
                register(scope);
            }
            if (!encoded.chunks().isEmpty() || condition.isFenced() || condition.recorded()) {
                return writeTransacted(scope, condition, document, encoded);
            }
            return condition.isUnconditional() || condition.requiresAbsent() ? writeItem(scope, condition, document, encoded)
                    : replaceItem(scope, condition, document, encoded);
        });
    }

    private static final String SET_DOCUMENT = " #live = :live, st = :st, updatedAt = :updatedAt, fqn = :fqn";

    /**
     * What a live record item carries besides its key, version and document, by attribute name: the liveness
     * flag, the status (for {@code listByStatus}'s filter), the write time and the fqn. {@link #SET_DOCUMENT}
     * sets the same, from the values named {@code :} + the attribute's name.
     */
    private static Map<String, AttributeValue> liveAttributes(DocumentToWrite document, Instant now) {
        StateKey key = document.key();
        return Map.of("live", AttributeValue.fromBool(true), "st", s(document.status() == null ? "" : document.status()),
                "updatedAt", s(now.toString()), "fqn", s(key instanceof StateKey.Record r ? r.fqn() : ""));
    }

    private static void putSetDocumentValues(Map<String, AttributeValue> values, DocumentToWrite document, Instant now) {
        liveAttributes(document, now).forEach((name, value) -> values.put(":" + name, value));
    }

    @Override
    public java.util.OptionalLong lastVersion(ScopeId scope, StateKey key) {
        return call("read the last version of " + key.describe(), () -> {
            var got = dynamo.getItem(b -> b.tableName(table).key(itemKey(pk(scope), sk(key))).consistentRead(true)
                    .projectionExpression("v"));
            return java.util.OptionalLong.of(got.hasItem() && got.item().containsKey("v")
                    ? Long.parseLong(got.item().get("v").n()) : 0);
        });
    }

    /** An unconditional or create-only write of a one-item document: the server counts the version on from the item's. */
    private StoredDocument writeItem(ScopeId scope, WriteCondition condition, DocumentToWrite document, Encoded encoded) {
        StateKey key = document.key();
        String sk = sk(key);
        Instant now = clock.instant();
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":one", n(1), ":zero", n(0)));
        putSetDocumentValues(values, document, now);
        String set;
        String remove;
        if (encoded.text() != null) {
            values.put(":doc", s(encoded.text()));
            set = "SET v = if_not_exists(v, :zero) + :one, doc = :doc," + SET_DOCUMENT;
            remove = " REMOVE z, n";
        } else {
            values.put(":z", AttributeValue.fromB(SdkBytes.fromByteArray(encoded.zipped())));
            set = "SET v = if_not_exists(v, :zero) + :one, z = :z," + SET_DOCUMENT;
            remove = " REMOVE doc, n";
        }
        UpdateItemRequest.Builder request = UpdateItemRequest.builder().tableName(table).key(itemKey(pk(scope), sk))
                .updateExpression(set + remove).expressionAttributeNames(Map.of("#live", "live"))
                .returnValues(ReturnValue.ALL_OLD)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        List<String> checks = new ArrayList<>();
        if (condition.requiresAbsent()) {
            checks.add("attribute_not_exists(#live)");
        }
        if (condition.requiresLastVersion()) {
            // A deletion keeps the item and its version: the last version is the item's, or 0 for no item.
            if (condition.lastVersion() == 0) {
                checks.add("attribute_not_exists(v)");
            } else {
                checks.add("v = :last");
                values.put(":last", n(condition.lastVersion()));
            }
        }
        if (!checks.isEmpty()) {
            request.conditionExpression(String.join(" AND ", checks));
        }
        request.expressionAttributeValues(values);
        UpdateItemResponse response;
        try {
            response = dynamo.updateItem(request.build());
        } catch (ConditionalCheckFailedException e) {
            throw conflict(scope, key, condition, e.item());
        }
        Map<String, AttributeValue> old = response.attributes();
        long version = old == null || !old.containsKey("v") ? 1 : Long.parseLong(old.get("v").n()) + 1;
        dropChunks(scope, key, old);
        return new StoredDocument(key, document.json(), version, now, location(scope, sk));
    }

    /**
     * A conditional update of a one-item document. The new version is known (the expected one plus one), so a
     * {@code PutItem} replaces the whole item, which drops whatever the old one had and the new one has not
     * ({@code doc} or {@code z}, a chunk count), and the server evaluates no update expression: on DynamoDB Local
     * the store's {@code UpdateItem} took 0.74 ms at the median where this {@code PutItem} takes 0.64.
     */
    private StoredDocument replaceItem(ScopeId scope, WriteCondition condition, DocumentToWrite document, Encoded encoded) {
        StateKey key = document.key();
        String sk = sk(key);
        Instant now = clock.instant();
        long version = condition.expectedVersion() + 1;
        Map<String, AttributeValue> item = new HashMap<>(itemKey(pk(scope), sk));
        item.put("v", n(version));
        if (encoded.text() != null) {
            item.put("doc", s(encoded.text()));
        } else {
            item.put("z", AttributeValue.fromB(SdkBytes.fromByteArray(encoded.zipped())));
        }
        item.putAll(liveAttributes(document, now));
        PutItemResponse response;
        try {
            response = dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("#live = :t AND v = :expected")
                    .expressionAttributeNames(Map.of("#live", "live"))
                    .expressionAttributeValues(Map.of(":t", AttributeValue.fromBool(true), ":expected",
                            n(condition.expectedVersion())))
                    .returnValues(ReturnValue.ALL_OLD)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
        } catch (ConditionalCheckFailedException e) {
            throw conflict(scope, key, condition, e.item());
        }
        dropChunks(scope, key, response.attributes());
        return new StoredDocument(key, document.json(), version, now, location(scope, sk));
    }

    /**
     * A large or a fenced document: the record item, its chunks and the check that no newer deployment has begun (for
     * a fenced write), in one transaction, conditional on the version read.
     */
    private StoredDocument writeTransacted(ScopeId scope, WriteCondition condition, DocumentToWrite document,
            Encoded encoded) {
        StateKey key = document.key();
        String sk = sk(key);
        for (int attempt = 0; attempt < 20; attempt++) {
            Map<String, AttributeValue> old;
            boolean live;
            long current;
            if (attempt == 0 && condition.recorded() && !condition.isUnconditional() && !condition.requiresAbsent()) {
                // The version is the caller's: the transaction checks it, with no read first. A recorded write keeps
                // the old version's chunks (its change refers to them), so nothing of the old item is needed.
                old = null;
                live = true;
                current = condition.expectedVersion();
            } else {
                var got = dynamo.getItem(b -> b.tableName(table).key(itemKey(pk(scope), sk)).consistentRead(true));
                old = got.hasItem() ? got.item() : null;
                live = old != null && old.containsKey("live");
                current = old != null && old.containsKey("v") ? Long.parseLong(old.get("v").n()) : 0;
                if (!condition.holdsFor(live ? current : 0)) {
                    requireUnfenced(scope, condition);
                    throw conflict(scope, key, condition, old);
                }
                if (!condition.holdsFor(live ? current : 0, current)) {
                    requireUnfenced(scope, condition);
                    throw condition.lastVersionConflict(scope, key, live ? current : 0, current);
                }
            }
            long version = current + 1;
            Instant now = clock.instant();
            Map<String, AttributeValue> values = new HashMap<>(Map.of(":next", n(version)));
            putSetDocumentValues(values, document, now);
            String update;
            if (!encoded.chunks().isEmpty()) {
                values.put(":n", n(encoded.chunks().size()));
                update = "SET v = :next, n = :n," + SET_DOCUMENT + " REMOVE doc, z";
            } else if (encoded.text() != null) {
                values.put(":doc", s(encoded.text()));
                update = "SET v = :next, doc = :doc," + SET_DOCUMENT + " REMOVE z, n";
            } else {
                values.put(":z", AttributeValue.fromB(SdkBytes.fromByteArray(encoded.zipped())));
                update = "SET v = :next, z = :z," + SET_DOCUMENT + " REMOVE doc, n";
            }
            String check;
            if (current == 0 && !live) {
                check = "attribute_not_exists(v)";
            } else {
                check = "v = :current" + (live ? " AND attribute_exists(#live)" : " AND attribute_not_exists(#live)");
                values.put(":current", n(current));
            }
            List<TransactWriteItem> writes = new ArrayList<>();
            writes.add(TransactWriteItem.builder().update(u -> u.tableName(table).key(itemKey(pk(scope), sk))
                    .updateExpression(update).conditionExpression(check).expressionAttributeNames(Map.of("#live", "live"))
                    .expressionAttributeValues(values)).build());
            fenceCheck(scope, condition).ifPresent(writes::add);
            if (condition.recorded()) {
                writes.add(historyPut(scope, key, version, encoded, now, condition.fence()));
            }
            for (int i = 0; i < encoded.chunks().size(); i++) {
                Map<String, AttributeValue> chunk = new HashMap<>(itemKey(pk(scope), chunkSk(key, version, i)));
                chunk.put("z", AttributeValue.fromB(SdkBytes.fromByteArray(encoded.chunks().get(i))));
                writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(chunk)).build());
            }
            if (!transact(scope, condition, writes)) {
                continue; // someone wrote in between: check the caller's condition again
            }
            if (!condition.recorded()) {
                dropChunks(scope, key, old);
            }
            return new StoredDocument(key, document.json(), version, now, location(scope, sk));
        }
        throw new StateStoreUnavailableException("gave up writing " + location(scope, sk)
                + ": other writers changed it every time", null);
    }

    /**
     * The check of a fenced write, as the second item of its transaction: the record of the newer deployment does
     * not exist. DynamoDB serializes the transaction with the {@code PutItem} that claims that version.
     */
    private Optional<TransactWriteItem> fenceCheck(ScopeId scope, WriteCondition condition) {
        if (!condition.isFenced()) {
            return Optional.empty();
        }
        return Optional.of(TransactWriteItem.builder().conditionCheck(c -> c.tableName(table)
                .key(controlKey(scope, condition.fenceDocument())).conditionExpression("attribute_not_exists(pk)")).build());
    }

    /**
     * Runs a transaction whose first item is the write and (if fenced) whose second is {@link #fenceCheck}.
     *
     * @return false if the write's own condition failed or another transaction got in the way: read and try again
     * @throws StateWriteFencedException if the fence's check failed
     */
    private boolean transact(ScopeId scope, WriteCondition condition, List<TransactWriteItem> writes) {
        try {
            dynamo.transactWriteItems(b -> b.transactItems(writes));
            return true;
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
            if (condition.isFenced() && reasons.size() > 1 && "ConditionalCheckFailed".equals(reasons.get(1).code())) {
                throw new StateWriteFencedException(scope, condition.fence());
            }
            if (reasons.stream().anyMatch(r -> "ConditionalCheckFailed".equals(r.code())
                    || "TransactionConflict".equals(r.code()))) {
                return false;
            }
            throw e;
        }
    }

    /** Reports a fence that no longer holds ahead of another failure, as the atomic backends do. */
    private void requireUnfenced(ScopeId scope, WriteCondition condition) {
        if (condition.isFenced() && control.read(scope, condition.fenceDocument()).isPresent()) {
            throw new StateWriteFencedException(scope, condition.fence());
        }
    }

    /**
     * A fenced or recorded delete: the tombstone, the fence's check and the change, in one transaction, conditional on
     * the version read.
     */
    private boolean deleteTransacted(ScopeId scope, StateKey key, WriteCondition condition) {
        String sk = sk(key);
        for (int attempt = 0; attempt < 20; attempt++) {
            Map<String, AttributeValue> old;
            if (attempt == 0 && condition.recorded() && !condition.isUnconditional()) {
                // The version is the caller's, which the transaction checks; the chunks stay for the change.
                old = Map.of("live", AttributeValue.fromBool(true), "v", n(condition.expectedVersion()));
            } else {
                var got = dynamo.getItem(b -> b.tableName(table).key(itemKey(pk(scope), sk)).consistentRead(true));
                old = got.hasItem() ? got.item() : null;
            }
            boolean live = old != null && old.containsKey("live");
            if (!live || !condition.holdsFor(Long.parseLong(old.get("v").n()))) {
                requireUnfenced(scope, condition);
                if (condition.isUnconditional()) {
                    return false;
                }
                throw conflict(scope, key, condition, old);
            }
            List<TransactWriteItem> writes = new ArrayList<>();
            Instant now = clock.instant();
            writes.add(TransactWriteItem.builder().update(u -> u.tableName(table).key(itemKey(pk(scope), sk))
                    .updateExpression("SET updatedAt = :at REMOVE #live, st, doc, z, n")
                    .conditionExpression("#live = :t AND v = :current").expressionAttributeNames(Map.of("#live", "live"))
                    .expressionAttributeValues(Map.of(":t", AttributeValue.fromBool(true), ":at",
                            s(now.toString()), ":current", old.get("v")))).build());
            fenceCheck(scope, condition).ifPresent(writes::add);
            if (condition.recorded()) {
                writes.add(historyPut(scope, key, Long.parseLong(old.get("v").n()), null, now, condition.fence()));
            }
            if (transact(scope, condition, writes)) {
                if (!condition.recorded()) {
                    dropChunks(scope, key, old);
                }
                return true;
            }
        }
        throw new StateStoreUnavailableException("gave up deleting " + location(scope, sk)
                + ": other writers changed it every time", null);
    }

    /** Deletes the chunks of a version just replaced or deleted; a crash here leaves them unread, not wrong. */
    private void dropChunks(ScopeId scope, StateKey key, Map<String, AttributeValue> old) {
        if (old == null || !old.containsKey("n")) {
            return;
        }
        long version = Long.parseLong(old.get("v").n());
        int count = Integer.parseInt(old.get("n").n());
        for (int i = 0; i < count; i++) {
            String chunk = chunkSk(key, version, i);
            dynamo.deleteItem(b -> b.tableName(table).key(itemKey(pk(scope), chunk)));
        }
    }

    private static StateConflictException conflict(ScopeId scope, StateKey key, WriteCondition condition,
            Map<String, AttributeValue> current) {
        boolean live = current != null && current.containsKey("live");
        return new StateConflictException(scope, key.describe(), condition.expectedVersion(),
                live ? OptionalLong.of(Long.parseLong(current.get("v").n())) : OptionalLong.empty());
    }

    @Override
    public boolean delete(ScopeId scope, StateKey key, WriteCondition condition) {
        return call("delete " + key.describe(), () -> {
            if (condition.isFenced() || condition.recorded()) {
                return deleteTransacted(scope, key, condition);
            }
            Map<String, AttributeValue> values = new HashMap<>(Map.of(":t", AttributeValue.fromBool(true),
                    ":at", s(clock.instant().toString())));
            String check = condition.isUnconditional() ? "#live = :t" : "#live = :t AND v = :expected";
            if (!condition.isUnconditional()) {
                values.put(":expected", n(condition.expectedVersion()));
            }
            try {
                // The tombstone keeps v, so a later create continues from it.
                UpdateItemResponse response = dynamo.updateItem(b -> b.tableName(table).key(itemKey(pk(scope), sk(key)))
                        .updateExpression("SET updatedAt = :at REMOVE #live, st, doc, z, n").conditionExpression(check)
                        .expressionAttributeNames(Map.of("#live", "live")).expressionAttributeValues(values)
                        .returnValues(ReturnValue.ALL_OLD)
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
                dropChunks(scope, key, response.attributes());
                return true;
            } catch (ConditionalCheckFailedException e) {
                if (condition.isUnconditional()) {
                    return false;
                }
                throw conflict(scope, key, condition, e.item());
            }
        });
    }

    // ---- history --------------------------------------------------------------------------------
    // pk = STACK/STAGE, sk = y#KEYHASH#SEQ: one item per change (v, dep, at, fqn for a record; doc, z or n as a record
    // item has them, none for a deletion), put by the write's own transaction. A change of a chunked document refers
    // to the chunks of its version, which a recorded write therefore leaves in place; pruning the change takes them.

    private static String historyPrefix(StateKey key) {
        return "y#" + sha256(key instanceof StateKey.Record r ? "r" + r.fqn() : "o").substring(0, 32) + "#";
    }

    private TransactWriteItem historyPut(ScopeId scope, StateKey key, long version, Encoded encoded, Instant at,
            long deployment) {
        Map<String, AttributeValue> item = new HashMap<>(itemKey(pk(scope),
                historyPrefix(key) + String.format("%019d", StoredChange.seq(version, encoded == null))));
        item.put("v", n(version));
        item.put("dep", n(deployment));
        item.put("at", s(at.toString()));
        if (key instanceof StateKey.Record r) {
            item.put("fqn", s(r.fqn()));
        }
        if (encoded != null) {
            if (encoded.text() != null) {
                item.put("doc", s(encoded.text()));
            } else if (encoded.zipped() != null) {
                item.put("z", AttributeValue.fromB(SdkBytes.fromByteArray(encoded.zipped())));
            } else {
                item.put("n", n(encoded.chunks().size()));
            }
        }
        return TransactWriteItem.builder().put(p -> p.tableName(table).item(item)).build();
    }

    @Override
    public Optional<dev.statestore.spi.HistoryStore> history() {
        return Optional.of(history);
    }

    private final dev.statestore.spi.HistoryStore history = new dev.statestore.spi.HistoryStore() {
        @Override
        public List<StoredChange> changes(ScopeId scope, StateKey key) {
            List<StoredChange> changes = new ArrayList<>();
            call("read the history of " + key.describe(), () -> {
                queryChanges(scope, historyPrefix(key), changes::add);
                return null;
            });
            return changes;
        }

        @Override
        public void forEachChange(ScopeId scope, java.util.function.Consumer<StoredChange> action) {
            call("read the history of " + scope, () -> {
                queryChanges(scope, "y#", action);
                return null;
            });
        }

        @Override
        public void forEachChangeSummary(ScopeId scope, java.util.function.Consumer<ChangeSummary> action) {
            call("read the history of " + scope, () -> {
                for (Map<String, AttributeValue> item : changeItems(scope, "y#", true)) {
                    // The sort key ends in the change's seq, odd for a deletion: no document needs reading to tell.
                    String sk = item.get("sk").s();
                    long seq = Long.parseLong(sk.substring(sk.length() - 19));
                    action.accept(new ChangeSummary(item.containsKey("fqn") ? StateKey.record(item.get("fqn").s())
                            : StateKey.output(), Long.parseLong(item.get("v").n()), seq % 2 == 1,
                            Instant.parse(item.get("at").s()), Long.parseLong(item.get("dep").n())));
                }
                return null;
            });
        }

        @Override
        public void remove(ScopeId scope, java.util.Collection<StoredChange> changes) {
            call("prune the history of " + scope, () -> {
                List<Map<String, AttributeValue>> keys = new ArrayList<>();
                for (StoredChange change : changes) {
                    keys.add(itemKey(pk(scope), historyPrefix(change.key()) + String.format("%019d", change.seq())));
                }
                // A recorded write leaves the chunks of the version it replaced for that version's change: they go
                // with the change, unless that version is still the live one.
                for (StoredChange change : changes) {
                    if (change.json() != null && change.json().length() > INLINE_BYTES / 3) { // UTF-8: up to 3 bytes a char
                        keys.addAll(chunksNoLongerNeeded(scope, change));
                    }
                }
                for (int from = 0; from < keys.size(); from += 25) {
                    List<software.amazon.awssdk.services.dynamodb.model.WriteRequest> batch = new ArrayList<>();
                    keys.subList(from, Math.min(keys.size(), from + 25)).forEach(k -> batch.add(
                            software.amazon.awssdk.services.dynamodb.model.WriteRequest.builder()
                                    .deleteRequest(d -> d.key(k)).build()));
                    Map<String, List<software.amazon.awssdk.services.dynamodb.model.WriteRequest>> pending = Map.of(table, batch);
                    while (!pending.isEmpty()) {
                        var request = pending;
                        var response = dynamo.batchWriteItem(b -> b.requestItems(request));
                        pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
                    }
                }
                return null;
            });
        }
    };

    /** The keys of the chunk items of the version a pruned change made, unless the record is still at that version. */
    private List<Map<String, AttributeValue>> chunksNoLongerNeeded(ScopeId scope, StoredChange change) {
        Map<String, AttributeValue> live = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                .key(itemKey(pk(scope), sk(change.key()))).projectionExpression("v, #live")
                .expressionAttributeNames(Map.of("#live", "live"))).item();
        if (live != null && live.containsKey("live") && Long.parseLong(live.get("v").n()) == change.version()) {
            return List.of();
        }
        String prefix = chunkPrefix(change.key(), change.version());
        List<Map<String, AttributeValue>> chunks = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk AND begins_with(sk, :prefix)").projectionExpression("sk")
                .expressionAttributeValues(Map.of(":pk", s(pk(scope)), ":prefix", s(prefix)))).items()) {
            chunks.add(itemKey(pk(scope), item.get("sk").s()));
        }
        return chunks;
    }

    /**
     * The change items whose sort keys start with {@code prefix}, in sort key order: a consistent Query, page by page;
     * with {@code summaries}, only the attributes that place a change (not its document, nor its chunks).
     */
    private Iterable<Map<String, AttributeValue>> changeItems(ScopeId scope, String prefix, boolean summaries) {
        QueryRequest.Builder q = QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk AND begins_with(sk, :prefix)")
                .expressionAttributeValues(Map.of(":pk", s(pk(scope)), ":prefix", s(prefix)));
        if (summaries) {
            q.projectionExpression("sk, fqn, v, #at, dep").expressionAttributeNames(Map.of("#at", "at"));
        }
        return dynamo.queryPaginator(q.build()).items();
    }

    /** The changes whose sort keys start with {@code prefix}, in sort key order. */
    private void queryChanges(ScopeId scope, String prefix, java.util.function.Consumer<StoredChange> sink) {
        for (Map<String, AttributeValue> item : changeItems(scope, prefix, false)) {
            StateKey key = item.containsKey("fqn") ? StateKey.record(item.get("fqn").s()) : StateKey.output();
            String location = location(scope, item.get("sk").s());
            String body = null;
            if (item.containsKey("doc") || item.containsKey("z") || item.containsKey("n")) {
                body = body(scope, key, item).orElseThrow(() -> new CorruptStateException(location,
                        "a change of a document in chunks whose chunks are gone", null));
            }
            sink.accept(new StoredChange(key, Long.parseLong(item.get("v").n()), body, Instant.parse(item.get("at").s()),
                    Long.parseLong(item.get("dep").n()), location));
        }
    }

    // ---- listing --------------------------------------------------------------------------------

    /**
     * Live records after {@code afterFqn}, in fqn order, at most {@code limit}: consistent Queries of the scope, one of
     * the items keyed by fqn ({@code r#}) and one of those keyed by a hash of a long fqn ({@code h#}), sent at once.
     */
    private List<Map<String, AttributeValue>> liveRecords(ScopeId scope, String afterFqn, int limit, String statusFilter,
            Map<String, AttributeValue> statusValues) {
        // Independent reads: asked together, a page costs one round trip instead of two.
        java.util.concurrent.Future<List<Map<String, AttributeValue>>> hashed = pagers.submit(ClientRetries.carried(
                () -> liveItems(scope, "h#", afterFqn, limit, statusFilter, statusValues)));
        TreeMap<String, Map<String, AttributeValue>> result = new TreeMap<>(StateNames.ORDER);
        for (Map<String, AttributeValue> item : liveItems(scope, "r#", afterFqn, limit, statusFilter, statusValues)) {
            result.put(item.get("fqn").s(), item);
        }
        for (Map<String, AttributeValue> item : dev.statestore.spi.ChainedHistory.await(hashed)) {
            result.put(item.get("fqn").s(), item);
        }
        List<Map<String, AttributeValue>> items = new ArrayList<>(result.values());
        return items.size() > limit ? items.subList(0, limit) : items;
    }

    /** The live items of one kind after {@code afterFqn}: all of them for {@code h#}, for {@code r#} past {@code limit}. */
    private List<Map<String, AttributeValue>> liveItems(ScopeId scope, String kind, String afterFqn, int limit,
            String statusFilter, Map<String, AttributeValue> statusValues) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":pk", s(pk(scope)), ":kind", s(kind)));
        values.putAll(statusValues);
        QueryRequest.Builder q = QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk AND begins_with(sk, :kind)")
                .filterExpression("attribute_exists(#live)" + statusFilter)
                .expressionAttributeNames(statusFilter.isEmpty() ? Map.of("#live", "live") : Map.of("#live", "live", "#st", "st"))
                .expressionAttributeValues(values);
        if (afterFqn != null && kind.equals("r#") && ("r#" + afterFqn).getBytes(StandardCharsets.UTF_8).length <= MAX_SORT_KEY_BYTES) {
            q.exclusiveStartKey(itemKey(pk(scope), "r#" + afterFqn));
        }
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = q.build().exclusiveStartKey();
        do {
            QueryResponse page = dynamo.query(q.exclusiveStartKey(start).limit(Math.min(1000, limit + 1)).build());
            for (Map<String, AttributeValue> item : page.items()) {
                if (afterFqn == null || StateNames.ORDER.compare(item.get("fqn").s(), afterFqn) > 0) {
                    items.add(item);
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && (kind.equals("h#") || items.size() <= limit));
        return items;
    }

    private List<StoredDocument> documents(ScopeId scope, List<Map<String, AttributeValue>> items) {
        List<StoredDocument> result = new ArrayList<>(items.size());
        for (Map<String, AttributeValue> item : items) {
            StateKey key = StateKey.record(item.get("fqn").s());
            Optional<String> body = body(scope, key, item);
            if (body.isPresent()) {
                result.add(stored(scope, key, item, body.get()));
            } else {
                read(scope, key).ifPresent(result::add); // replaced while listed: read its newest version
            }
        }
        return result;
    }

    @Override
    public Page<StoredDocument> list(ScopeId scope, String afterFqn, int limit) {
        return call("list records", () -> {
            // The page is cut on the items, before their documents (and chunks) are read.
            Page<Map<String, AttributeValue>> items = Page.fromLookahead(
                    liveRecords(scope, afterFqn, limit + 1, "", Map.of()), limit, item -> item.get("fqn").s());
            return new Page<>(documents(scope, items.items()), items.nextAfter());
        });
    }

    @Override
    public List<StoredDocument> listByStatus(ScopeId scope, Set<String> statuses) {
        return call("list records by status", () -> {
            Map<String, AttributeValue> values = new HashMap<>();
            List<String> names = new ArrayList<>();
            int i = 0;
            for (String status : statuses) {
                values.put(":s" + i, s(status));
                names.add(":s" + i++);
            }
            return documents(scope, liveRecords(scope, null, Integer.MAX_VALUE - 1,
                    " AND #st IN (" + String.join(", ", names) + ")", values));
        });
    }

    @Override
    public void deleteScope(ScopeId scope, WriteCondition condition) {
        call("delete " + scope, () -> {
            for (Map<String, AttributeValue> item : liveRecords(scope, null, Integer.MAX_VALUE - 1, "", Map.of())) {
                delete(scope, StateKey.record(item.get("fqn").s()), condition);
            }
            delete(scope, StateKey.output(), condition);
            return null;
        });
    }

    // ---- control documents (deployments) ---------------------------------------------------------
    // Items beside the scope's records (sort key x#NAME), changed only by conditional writes on their version "v".
    // No TTL: deployment records must outlive every lease, or versions would start again from 1.

    private Map<String, AttributeValue> controlKey(ScopeId scope, String name) {
        return itemKey(pk(scope), "x#" + name);
    }

    private final ControlStore control = new ControlStore() {
        @Override
        public Optional<ControlDocument> read(ScopeId scope, String name) {
            return call("read the control document " + name, () -> {
                Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(controlKey(scope, name))
                        .consistentRead(true)).item();
                if (item == null || !item.containsKey("doc")) {
                    return Optional.empty();
                }
                return Optional.of(new ControlDocument(item.get("doc").s(), item.get("v").n()));
            });
        }

        @Override
        public boolean compareAndSet(ScopeId scope, String name, Optional<ControlDocument> expected, String json) {
            return call("write the control document " + name, () -> {
                try {
                    if (expected.isEmpty()) {
                        Map<String, AttributeValue> item = new HashMap<>(controlKey(scope, name));
                        item.put("doc", s(json));
                        item.put("v", n(1));
                        dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
                    } else {
                        dynamo.updateItem(b -> b.tableName(table).key(controlKey(scope, name))
                                .updateExpression("SET doc = :doc, v = v + :one").conditionExpression("v = :v")
                                .expressionAttributeValues(Map.of(":doc", s(json), ":one", n(1),
                                        ":v", AttributeValue.fromN(expected.get().tag()))));
                    }
                    return true;
                } catch (ConditionalCheckFailedException e) {
                    return false;
                }
            });
        }

        @Override
        public boolean delete(ScopeId scope, String name, ControlDocument expected) {
            return call("delete the control document " + name, () -> {
                try {
                    dynamo.deleteItem(b -> b.tableName(table).key(controlKey(scope, name)).conditionExpression("v = :v")
                            .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(expected.tag()))));
                    return true;
                } catch (ConditionalCheckFailedException e) {
                    return false;
                }
            });
        }

        /** The lock item of a release before deployments: lockId (absent once released), owner, token, times in ms. */
        @Override
        public Optional<LockState> legacyLock(ScopeId scope) {
            return call("read the deploy lock of an earlier release", () -> {
                Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(itemKey(pk(scope), "l"))
                        .consistentRead(true)).item();
                if (item == null || item.isEmpty() || !item.containsKey("token")) {
                    return Optional.empty();
                }
                AttributeValue id = item.get("lockId");
                return Optional.of(new LockState(id == null ? null : id.s(), item.get("owner").s(),
                        Long.parseLong(item.get("token").n()), Instant.ofEpochMilli(Long.parseLong(item.get("acquiredAt").n())),
                        Instant.ofEpochMilli(Long.parseLong(item.get("expiresAt").n()))));
            });
        }
    };

    /** Leases are timed on this process's clock: DynamoDB offers none to read. */
    @Override
    public Optional<ControlStore> controlStore() {
        return Optional.of(control);
    }

    // ---- plumbing -------------------------------------------------------------------------------

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String gunzip(byte[] data, String location) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CorruptStateException(location, "not gzip: " + e.getMessage(), e);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T call(String what, Supplier<T> work) {
        try {
            return work.get();
        } catch (ResourceNotFoundException e) {
            throw new StateStoreMisconfiguredException("cannot " + what + " in " + options.describe() + ": the table is missing ("
                    + e.getMessage() + ")", e);
        } catch (DynamoDbException e) {
            String message = "cannot " + what + " in " + options.describe() + ": " + e.getMessage();
            boolean throttled = e.isThrottlingException() || e.statusCode() >= 500;
            if (throttled) {
                throw new StateStoreUnavailableException(message, e);
            }
            String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
            if (e.statusCode() == 403 || code.equals("AccessDeniedException")) {
                throw new StateStoreAccessDeniedException(message + " (the store needs dynamodb:DescribeTable, GetItem, "
                        + "BatchGetItem, PutItem, UpdateItem, DeleteItem, Query, TransactWriteItems and ConditionCheckItem on the "
                        + "table, and "
                        + "CreateTable with createTable=true)", e);
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
        pagers.shutdownNow();
        if (ownsClient) {
            dynamo.close();
        }
    }
}
