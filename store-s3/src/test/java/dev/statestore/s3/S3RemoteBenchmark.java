package dev.statestore.s3;

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
 * Arguments: {@link RemoteSettings}'s.
 */
public final class S3RemoteBenchmark {

    public static void main(String[] args) throws Exception {
        RemoteSettings settings = RemoteSettings.parse(args);
        S3Fixture fixture = new S3Fixture();
        String url = fixture.newStoreUrl();
        S3Options parsed = S3Options.from(StoreUrl.parse(url));
        URI endpoint = parsed.endpoint().orElseThrow();
        try (LatencyProxy proxy = LatencyProxy.start(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()),
                settings.oneWay())) {
            URI proxied = URI.create("http://127.0.0.1:" + proxy.port());
            String remoteUrl = settings.proxied(url, endpoint, proxied);
            S3Client raw = fixture.server().client(proxied);
            S3Keys keys = new S3Keys(parsed.prefix());
            String stack = "statestore-bench-" + UUID.randomUUID().toString().substring(0, 8);
            try (StateStore store = StateStores.open(remoteUrl)) {
                System.out.println("s3 at " + settings.roundTrip().toMillis() + " ms: " + store.describe());
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
                }, List.of(16, 32, 48), stack, settings.records(), settings.deploy(), 8, settings.roundTrip());
                rows.forEach(r -> System.out.println(r.describe()));
                BenchmarkRun.append(settings.csv(), rows);
                store.deleteStack(stack);
            }
        }
        System.exit(0);
    }
}
