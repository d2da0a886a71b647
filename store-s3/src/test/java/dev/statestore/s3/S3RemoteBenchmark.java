package dev.statestore.s3;

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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Not a test: the store on the tests' S3 server as if it were far away, through a {@link LatencyProxy} (see
 * {@code benchmarks/run.sh}, {@code BACKENDS=s3-remote}): {@code getAll} of a scope next to the plain SDK listing
 * the scope's keys and getting each on as many threads as reads fastest, and a deploy on one thread and on eight.
 * Arguments: {@code --csv FILE}, {@code --records N} (default 10,000), {@code --deploy N} (default 1,000),
 * {@code --round-trip-ms N} (default 20), {@code --options "concurrency=64"} (more options for the store's URL).
 */
public final class S3RemoteBenchmark {

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
        S3Fixture fixture = new S3Fixture();
        String url = fixture.newStoreUrl();
        S3Options parsed = S3Options.from(StoreUrl.parse(url));
        URI endpoint = parsed.endpoint().orElseThrow();
        try (LatencyProxy proxy = LatencyProxy.start(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()),
                Duration.ofMillis(roundTrip).dividedBy(2))) {
            URI proxied = URI.create("http://127.0.0.1:" + proxy.port());
            String remoteUrl = url.replace(endpoint.toString(), proxied.toString()) + (options.isEmpty() ? "" : "&" + options);
            S3Client raw = fixture.server().client(proxied);
            S3Keys keys = new S3Keys(parsed.prefix());
            String stack = "statestore-bench-" + UUID.randomUUID().toString().substring(0, 8);
            try (StateStore store = StateStores.open(remoteUrl)) {
                System.out.println("s3 at " + roundTrip + " ms: " + store.describe());
                List<Row> rows = Workloads.remote("s3-remote", store, (scope, threads) -> {
                    List<String> objects = raw.listObjectsV2Paginator(b -> b.bucket(parsed.bucket())
                            .prefix(keys.recordsPrefix(scope))).contents().stream().map(S3Object::key).toList();
                    AtomicInteger read = new AtomicInteger();
                    ExecutorService pool = Executors.newFixedThreadPool(threads);
                    try {
                        List<Future<?>> gets = objects.stream().map(key -> pool.submit(() -> {
                            raw.getObjectAsBytes(b -> b.bucket(parsed.bucket()).key(key));
                            read.incrementAndGet();
                        })).<Future<?>>map(f -> f).toList();
                        for (Future<?> get : gets) {
                            get.get();
                        }
                    } finally {
                        pool.shutdownNow();
                    }
                    return read.get();
                }, List.of(16, 32, 48), stack, records, deploy, 8, Duration.ofMillis(roundTrip));
                rows.forEach(r -> System.out.println(r.describe()));
                BenchmarkRun.append(csv, rows);
                store.deleteStack(stack);
            }
        }
        System.exit(0);
    }
}
