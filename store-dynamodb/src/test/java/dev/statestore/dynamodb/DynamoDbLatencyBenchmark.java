package dev.statestore.dynamodb;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.conformance.LatencyComparison;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Not a test: the store's {@code get} and conditional {@code update} next to a plain consistent
 * {@code GetItem} and a conditional {@code PutItem}, on the tests' endpoint.
 *
 * <pre>
 * mvn -q -pl store-dynamodb -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * (cd store-dynamodb &amp;&amp; java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
 *     -Dstatestore.dynamodb.local.lib=../dynamodb-local-server/target/lib dev.statestore.dynamodb.DynamoDbLatencyBenchmark)
 * </pre>
 */
public final class DynamoDbLatencyBenchmark {

    public static void main(String[] args) {
        DynamoDbFixture fixture = new DynamoDbFixture();
        String url = fixture.newStoreUrl();
        DynamoDbClient raw = fixture.raw();
        String table = DynamoDbFixture.table(url);
        Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("plain"), "sk", AttributeValue.fromS("r#Bench"));
        long[] version = {0};
        try (StateStore store = StateStores.open(url)) {
            LatencyComparison.run(fixture.server().tier(), args.length > 0 ? Integer.parseInt(args[0]) : 2000,
                    store.scope("bench", "prod"), "GetItem", () -> raw.getItem(b -> b.tableName(table).key(key).consistentRead(true)),
                    "conditional PutItem", () -> {
                        raw.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("plain"),
                                "sk", AttributeValue.fromS("r#Bench"), "v", AttributeValue.fromN(Long.toString(version[0] + 1)),
                                "doc", AttributeValue.fromS(LatencyComparison.DOCUMENT)))
                                .conditionExpression("attribute_not_exists(v) OR v = :v")
                                .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(version[0])))));
                        version[0]++;
                    });
        }
        System.exit(0);
    }
}
