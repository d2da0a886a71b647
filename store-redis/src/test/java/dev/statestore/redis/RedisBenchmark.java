package dev.statestore.redis;

import dev.statestore.bench.BenchmarkRun;
import dev.statestore.bench.RawClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;

/**
 * Not a test: the benchmark's workloads on the tests' Redis server (see {@code benchmarks/run.sh}), the store
 * next to plain Jedis on one connection: {@code HGET} to read, and for each write one {@code EVALSHA} of a
 * minimal compare-and-set of the version and the document, as a hand-written store would.
 */
public final class RedisBenchmark {

    private static final String CREATE = "if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end "
            + "redis.call('HSET', KEYS[1], 'v', 1, 'doc', ARGV[1]) return 1";
    private static final String UPDATE = "local v = tonumber(redis.call('HGET', KEYS[1], 'v') or 0) "
            + "if v ~= tonumber(ARGV[1]) then return -1 end redis.call('HSET', KEYS[1], 'v', v + 1, 'doc', ARGV[2]) return v + 1";
    private static final String DELETE = "local v = tonumber(redis.call('HGET', KEYS[1], 'v') or 0) "
            + "if v ~= tonumber(ARGV[1]) then return -1 end return redis.call('DEL', KEYS[1])";

    public static void main(String[] args) throws Exception {
        RedisFixture fixture = new RedisFixture(RedisServers.single());
        String url = fixture.newStoreUrl();
        RedisOptions options = RedisOptions.from(dev.statestore.spi.StoreUrl.parse(url));
        Jedis raw = new Jedis(options.nodes().get(0).getHost(), options.nodes().get(0).getPort());
        String create = raw.scriptLoad(CREATE);
        String update = raw.scriptLoad(UPDATE);
        String delete = raw.scriptLoad(DELETE);
        String prefix = options.prefix() + ":raw:";
        Map<String, Long> versions = new HashMap<>();
        BenchmarkRun.run("redis", url, new RawClient() {
            @Override
            public String describe(String operation) {
                return operation.equals("get") ? "HGET" : "EVALSHA of a minimal compare-and-set";
            }

            @Override
            public void get(String key) {
                raw.hget(prefix + key, "doc");
            }

            @Override
            public void create(String key, String json) {
                versions.put(key, check((Long) raw.evalsha(create, List.of(prefix + key), List.of(json))));
            }

            @Override
            public void update(String key, String json) {
                versions.put(key, check((Long) raw.evalsha(update, List.of(prefix + key),
                        List.of(Long.toString(versions.get(key)), json))));
            }

            @Override
            public void delete(String key) {
                check((Long) raw.evalsha(delete, List.of(prefix + key), List.of(Long.toString(versions.remove(key)))));
            }

            @Override
            public void close() {
                raw.close();
            }
        }, args);
        System.exit(0);
    }

    private static long check(Long result) {
        if (result < 0) {
            throw new IllegalStateException("a raw conditional write did not hold");
        }
        return result;
    }
}
