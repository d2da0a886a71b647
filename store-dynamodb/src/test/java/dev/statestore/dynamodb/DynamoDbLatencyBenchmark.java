package dev.statestore.dynamodb;

import dev.statestore.ResourceState;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.Versioned;
import java.util.Arrays;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Not a test: prints the median latency of {@code get} and of a conditional {@code update} through the
 * store, next to a plain consistent {@code GetItem} and a conditional {@code PutItem}, on the tests' endpoint.
 *
 * <pre>
 * mvn -q -pl store-dynamodb -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * (cd store-dynamodb &amp;&amp; java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
 *     -Dstatestore.dynamodb.local.lib=../dynamodb-local-server/target/lib dev.statestore.dynamodb.DynamoDbLatencyBenchmark)
 * </pre>
 */
public final class DynamoDbLatencyBenchmark {

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        DynamoDbFixture fixture = new DynamoDbFixture();
        String url = fixture.newStoreUrl();
        String doc = "{\"kind\":\"resource\",\"fqn\":\"Bench\",\"status\":\"created\",\"props\":{\"size\":\"" + "x".repeat(500) + "\"}}";
        ResourceState record = ResourceState.fromJson(doc);
        DynamoDbClient raw = fixture.raw();
        String table = DynamoDbFixture.table(url);
        try (StateStore store = StateStores.open(url)) {
            StateScope scope = store.scope("bench", "prod");
            scope.create(record);
            Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("plain"), "sk", AttributeValue.fromS("r#Bench"));
            long version = 0;
            for (int round = 0; round < 2; round++) {
                long[] storeGet = new long[n];
                long[] storeUpdate = new long[n];
                long[] rawGet = new long[n];
                long[] rawPut = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    Versioned<ResourceState> v = scope.require("Bench");
                    long t1 = System.nanoTime();
                    scope.update(record, v.version());
                    long t2 = System.nanoTime();
                    raw.getItem(b -> b.tableName(table).key(key).consistentRead(true));
                    long t3 = System.nanoTime();
                    long expected = version;
                    raw.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("plain"),
                            "sk", AttributeValue.fromS("r#Bench"), "v", AttributeValue.fromN(Long.toString(expected + 1)),
                            "doc", AttributeValue.fromS(doc)))
                            .conditionExpression("attribute_not_exists(v) OR v = :v")
                            .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(expected)))));
                    version++;
                    long t4 = System.nanoTime();
                    storeGet[i] = t1 - t0;
                    storeUpdate[i] = t2 - t1;
                    rawGet[i] = t3 - t2;
                    rawPut[i] = t4 - t3;
                }
                if (round == 1) {
                    System.out.printf("server: %s, %d iterations%n", fixture.server().tier(), n);
                    System.out.printf("get                 store %7.3f ms   plain GetItem          %7.3f ms   ratio %.2f%n",
                            median(storeGet), median(rawGet), median(storeGet) / median(rawGet));
                    System.out.printf("conditional update  store %7.3f ms   plain conditional PutItem %5.3f ms   ratio %.2f%n",
                            median(storeUpdate), median(rawPut), median(storeUpdate) / median(rawPut));
                }
            }
        }
        System.exit(0);
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
