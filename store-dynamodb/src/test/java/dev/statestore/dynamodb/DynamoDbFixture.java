package dev.statestore.dynamodb;

import dev.statestore.ScopeId;
import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.testkit.TestServers;
import dev.statestore.testkit.TestServers.Tier;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** A table of its own per store URL; on an endpoint the tests do not own, the tables are dropped at the end. */
final class DynamoDbFixture implements ConformanceFixture {

    private final DynamoDbServer server;
    private final DynamoDbClient raw;
    private final List<String> tables = new CopyOnWriteArrayList<>();

    /** On the endpoint of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    DynamoDbFixture() {
        this(TestServers.requestedTier());
    }

    /** On the endpoint of the given tier. */
    DynamoDbFixture(Tier tier) {
        server = DynamoDbServer.shared(tier);
        raw = server.client();
        // Servers the tests started go away whole, in memory.
        if (server.isSomeoneElses()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> tables.forEach(t -> {
                try {
                    raw.deleteTable(b -> b.tableName(t));
                } catch (RuntimeException alreadyGone) {
                    // nothing to drop
                }
            }), "drop test tables"));
        }
    }

    DynamoDbServer server() {
        return server;
    }

    DynamoDbClient raw() {
        return raw;
    }

    @Override
    public String newStoreUrl() {
        String table = "statestore-test-" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        tables.add(table);
        return server.storeUrl(table);
    }

    /** An endpoint on port 1 of loopback, where nothing listens, with the secret as the secret access key. */
    @Override
    public Optional<String> unreachableStoreUrl(String secret) {
        return Optional.of("dynamodb://table?endpoint=http://127.0.0.1:1&region=us-east-1&accessKeyId=a&secretAccessKey="
                + secret + "&timeout=5");
    }

    static String table(String storeUrl) {
        return DynamoDbOptions.from(dev.statestore.spi.StoreUrl.parse(storeUrl)).table();
    }

    static Map<String, AttributeValue> key(ScopeId scope, String fqn) {
        return Map.of("pk", AttributeValue.fromS(scope.stack() + "/" + scope.stage()), "sk", AttributeValue.fromS("r#" + fqn));
    }

    @Override
    public Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn) {
        Map<String, AttributeValue> item = raw.getItem(b -> b.tableName(table(storeUrl)).key(key(scope, fqn)).consistentRead(true)).item();
        return item == null || !item.containsKey("doc") ? Optional.empty()
                : Optional.of(item.get("doc").s().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes) {
        raw.updateItem(b -> b.tableName(table(storeUrl)).key(key(scope, fqn)).updateExpression("SET doc = :d")
                .conditionExpression("attribute_exists(doc)")
                .expressionAttributeValues(Map.of(":d", AttributeValue.fromS(new String(bytes, StandardCharsets.UTF_8)))));
    }
}
