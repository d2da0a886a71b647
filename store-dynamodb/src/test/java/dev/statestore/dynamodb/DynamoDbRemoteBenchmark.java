package dev.statestore.dynamodb;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.bench.BenchmarkRun;
import dev.statestore.bench.LatencyProxy;
import dev.statestore.bench.Row;
import dev.statestore.bench.Workloads;
import dev.statestore.spi.StoreUrl;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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
 * deploy on one thread and on eight. Arguments as {@code S3RemoteBenchmark}'s.
 */
public final class DynamoDbRemoteBenchmark {

    public static void main(String[] args) throws Exception {
        Path csv = Path.of("results.csv");
        int records = 10_000;
        int deploy = 1_000;
        int roundTrip = 20;
        String options = "";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--csv" -> csv = Path.of(args[i + 1]);
                case "--records" -> records = Integer.parseInt(args[i + 1]);
                case "--deploy" -> deploy = Integer.parseInt(args[i + 1]);
                case "--round-trip-ms" -> roundTrip = Integer.parseInt(args[i + 1]);
                case "--options" -> options = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        DynamoDbFixture fixture = new DynamoDbFixture();
        String url = fixture.newStoreUrl();
        String table = DynamoDbFixture.table(url);
        URI endpoint = DynamoDbOptions.from(StoreUrl.parse(url)).endpoint().orElseThrow();
        try (LatencyProxy proxy = LatencyProxy.start(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()),
                Duration.ofMillis(roundTrip).dividedBy(2))) {
            URI proxied = URI.create("http://127.0.0.1:" + proxy.port());
            String remoteUrl = url.replace(endpoint.toString(), proxied.toString()) + (options.isEmpty() ? "" : "&" + options);
            DynamoDbClient raw = fixture.server().client(proxied);
            String stack = "statestore-bench-" + UUID.randomUUID().toString().substring(0, 8);
            try (StateStore store = StateStores.open(remoteUrl)) {
                System.out.println("dynamodb at " + roundTrip + " ms: " + store.describe());
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
                }, List.of(1, 4, 16), stack, records, deploy, 8, Duration.ofMillis(roundTrip));
                rows.forEach(r -> System.out.println(r.describe()));
                BenchmarkRun.append(csv, rows);
                store.deleteStack(stack);
            }
        }
        System.exit(0);
    }
}
