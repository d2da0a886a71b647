package dev.statestore.redis;

import dev.statestore.ResourceState;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.Versioned;
import java.util.Arrays;
import java.util.List;
import redis.clients.jedis.Jedis;

/**
 * Not a test: prints the median latency of {@code get} and of a conditional {@code update} through the
 * store, next to a plain Jedis {@code GET} and a plain {@code EVALSHA} of a minimal compare-and-set, on one
 * connection of the tests' server.
 *
 * <pre>
 * mvn -q -pl store-redis -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp "store-redis/target/test-classes:store-redis/target/classes:$(cat store-redis/target/cp.txt)" \
 *     dev.statestore.redis.RedisLatencyBenchmark [iterations]
 * </pre>
 */
public final class RedisLatencyBenchmark {

    private static final String CAS = "local v = tonumber(redis.call('HGET', KEYS[1], 'v') or 0) "
            + "if v ~= tonumber(ARGV[1]) then return -1 end redis.call('HSET', KEYS[1], 'v', v + 1, 'doc', ARGV[2]) return v + 1";

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        RedisFixture fixture = new RedisFixture(RedisServers.single());
        String url = fixture.newStoreUrl();
        String doc = "{\"kind\":\"resource\",\"fqn\":\"Bench\",\"status\":\"created\",\"props\":{\"size\":\"" + "x".repeat(500) + "\"}}";
        ResourceState record = ResourceState.fromJson(doc);
        RedisOptions options = RedisOptions.from(dev.statestore.spi.StoreUrl.parse(url));
        try (StateStore store = StateStores.open(url);
                Jedis raw = new Jedis(options.nodes().get(0).getHost(), options.nodes().get(0).getPort())) {
            StateScope scope = store.scope("bench", "prod");
            scope.create(record);
            raw.set("bench:plain", doc);
            raw.hset("bench:cas", "v", "0");
            String sha = raw.scriptLoad(CAS);
            long casVersion = 0;
            for (int round = 0; round < 2; round++) {
                long[] storeGet = new long[n];
                long[] storeUpdate = new long[n];
                long[] rawGet = new long[n];
                long[] rawEval = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    Versioned<ResourceState> v = scope.require("Bench");
                    long t1 = System.nanoTime();
                    scope.update(record, v.version());
                    long t2 = System.nanoTime();
                    raw.get("bench:plain");
                    long t3 = System.nanoTime();
                    casVersion = (Long) raw.evalsha(sha, List.of("bench:cas"), List.of(Long.toString(casVersion), doc));
                    long t4 = System.nanoTime();
                    storeGet[i] = t1 - t0;
                    storeUpdate[i] = t2 - t1;
                    rawGet[i] = t3 - t2;
                    rawEval[i] = t4 - t3;
                }
                if (round == 1) {
                    System.out.printf("server: %s, %d iterations%n", fixture.server().tier(), n);
                    System.out.printf("get                 store %7.3f ms   plain GET     %7.3f ms   ratio %.2f%n",
                            median(storeGet), median(rawGet), median(storeGet) / median(rawGet));
                    System.out.printf("conditional update  store %7.3f ms   plain EVALSHA %7.3f ms   ratio %.2f%n",
                            median(storeUpdate), median(rawEval), median(storeUpdate) / median(rawEval));
                }
            }
            raw.del("bench:plain", "bench:cas");
        }
        System.exit(0);
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
