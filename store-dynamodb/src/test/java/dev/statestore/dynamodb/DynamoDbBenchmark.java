package dev.statestore.dynamodb;

import dev.statestore.bench.BenchmarkRun;
import dev.statestore.bench.RawClient;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Not a test: the benchmark's workloads on the tests' DynamoDB endpoint (see {@code benchmarks/run.sh}), the
 * store next to the plain SDK in the store's own table: a consistent {@code GetItem}, {@code PutItem} with a
 * condition on the version it holds (or on absence), {@code DeleteItem} with the same condition.
 */
public final class DynamoDbBenchmark {

    public static void main(String[] args) throws Exception {
        DynamoDbFixture fixture = new DynamoDbFixture();
        String url = fixture.newStoreUrl();
        String table = DynamoDbFixture.table(url);
        // The store creates its table on open; the raw client works beside it once it exists.
        try (var created = dev.statestore.StateStores.open(url)) {
            created.stacks();
        }
        DynamoDbClient raw = fixture.raw();
        Map<String, Long> versions = new HashMap<>();
        BenchmarkRun.run("dynamodb", url, new RawClient() {
            private Map<String, AttributeValue> key(String key) {
                return Map.of("pk", AttributeValue.fromS("raw/prod"), "sk", AttributeValue.fromS("r#" + key));
            }

            private Map<String, AttributeValue> item(String key, long version, String json) {
                Map<String, AttributeValue> item = new HashMap<>(key(key));
                item.put("v", AttributeValue.fromN(Long.toString(version)));
                item.put("doc", AttributeValue.fromS(json));
                return item;
            }

            @Override
            public String describe(String operation) {
                return switch (operation) {
                    case "get" -> "GetItem, consistent";
                    case "create" -> "PutItem if absent";
                    case "update" -> "PutItem if v = :v";
                    default -> "DeleteItem if v = :v";
                };
            }

            @Override
            public void get(String key) {
                raw.getItem(b -> b.tableName(table).key(key(key)).consistentRead(true));
            }

            @Override
            public void create(String key, String json) {
                raw.putItem(b -> b.tableName(table).item(item(key, 1, json)).conditionExpression("attribute_not_exists(v)"));
                versions.put(key, 1L);
            }

            @Override
            public void update(String key, String json) {
                long v = versions.get(key);
                raw.putItem(b -> b.tableName(table).item(item(key, v + 1, json)).conditionExpression("v = :v")
                        .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(v)))));
                versions.put(key, v + 1);
            }

            @Override
            public void delete(String key) {
                long v = versions.remove(key);
                raw.deleteItem(b -> b.tableName(table).key(key(key)).conditionExpression("v = :v")
                        .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(v)))));
            }
        }, args);
        System.exit(0);
    }
}
