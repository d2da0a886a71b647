package dev.statestore.dynamodb;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.bench.BenchmarkRun;
import dev.statestore.bench.LatencyProxy;
import dev.statestore.bench.RemoteSettings;
import dev.statestore.bench.Row;
import dev.statestore.bench.Workloads;
import dev.statestore.spi.StoreUrl;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Not a test: the store on the tests' DynamoDB endpoint as if it were far away, through a {@link LatencyProxy} (see
 * {@code benchmarks/run.sh}, {@code BACKENDS=dynamodb-remote}): {@code getAll} of a scope next to the plain SDK
 * reading the same records (one {@code Query} paged, or a {@code Scan} in as many segments as read fastest), and a
 * deploy on one thread and on eight. Arguments: {@link RemoteSettings}'s.
 */
public final class DynamoDbRemoteBenchmark {

    public static void main(String[] args) throws Exception {
        RemoteSettings settings = RemoteSettings.parse(args);
        DynamoDbFixture fixture = new DynamoDbFixture();
        String url = fixture.newStoreUrl();
        String table = DynamoDbFixture.table(url);
        URI endpoint = DynamoDbOptions.from(StoreUrl.parse(url)).endpoint().orElseThrow();
        try (LatencyProxy proxy = LatencyProxy.start(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()),
                settings.oneWay())) {
            URI proxied = URI.create("http://127.0.0.1:" + proxy.port());
            String remoteUrl = settings.proxied(url, endpoint, proxied);
            DynamoDbClient raw = fixture.server().client(proxied);
            String stack = "statestore-bench-" + UUID.randomUUID().toString().substring(0, 8);
            try (StateStore store = StateStores.open(remoteUrl)) {
                System.out.println("dynamodb at " + settings.roundTrip().toMillis() + " ms: " + store.describe());
                List<Row> rows = Workloads.remote("dynamodb-remote", store, (scope, threads) -> {
                    Map<String, AttributeValue> values = Map.of(":pk", AttributeValue.fromS(scope.stack() + "/" + scope.stage()),
                            ":r", AttributeValue.fromS("r#"));
                    if (threads == 1) {
                        return raw.queryPaginator(b -> b.tableName(table).consistentRead(true)
                                .keyConditionExpression("pk = :pk AND begins_with(sk, :r)").expressionAttributeValues(values))
                                .items().stream().mapToInt(item -> 1).sum();
                    }
                    ExecutorService pool = Executors.newFixedThreadPool(threads);
                    try {
                        List<Future<Integer>> segments = new ArrayList<>();
                        for (int segment = 0; segment < threads; segment++) {
                            int s = segment;
                            segments.add(pool.submit(() -> raw.scanPaginator(b -> b.tableName(table).consistentRead(true)
                                    .segment(s).totalSegments(threads).filterExpression("pk = :pk AND begins_with(sk, :r)")
                                    .expressionAttributeValues(values)).items().stream().mapToInt(item -> 1).sum()));
                        }
                        int read = 0;
                        for (Future<Integer> segment : segments) {
                            read += segment.get();
                        }
                        return read;
                    } finally {
                        pool.shutdownNow();
                    }
                }, List.of(1, 4, 16), stack, settings.records(), settings.deploy(), 8, settings.roundTrip());
                rows.forEach(r -> System.out.println(r.describe()));
                BenchmarkRun.append(settings.csv(), rows);
                store.deleteStack(stack);
            }
        }
        System.exit(0);
    }
}
