package dev.statestore.redis;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.conformance.LatencyComparison;
import java.util.List;
import redis.clients.jedis.Jedis;

/**
 * Not a test: the store's {@code get} and conditional {@code update} next to a plain Jedis {@code GET} and
 * a plain {@code EVALSHA} of a minimal compare-and-set, on the tests' server.
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

    public static void main(String[] args) {
        RedisFixture fixture = new RedisFixture(RedisServers.single());
        String url = fixture.newStoreUrl();
        RedisOptions options = RedisOptions.from(dev.statestore.spi.StoreUrl.parse(url));
        try (StateStore store = StateStores.open(url);
                Jedis raw = new Jedis(options.nodes().get(0).getHost(), options.nodes().get(0).getPort())) {
            raw.set("bench:plain", LatencyComparison.DOCUMENT);
            raw.hset("bench:cas", "v", "0");
            String sha = raw.scriptLoad(CAS);
            long[] version = {0};
            LatencyComparison.run(fixture.server().tier(), args.length > 0 ? Integer.parseInt(args[0]) : 5000,
                    store.scope("bench", "prod"), "GET", () -> raw.get("bench:plain"), "EVALSHA",
                    () -> version[0] = (Long) raw.evalsha(sha, List.of("bench:cas"),
                            List.of(Long.toString(version[0]), LatencyComparison.DOCUMENT)));
            raw.del("bench:plain", "bench:cas");
        }
        System.exit(0);
    }
}
