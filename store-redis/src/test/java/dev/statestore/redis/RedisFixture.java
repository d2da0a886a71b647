package dev.statestore.redis;

import dev.statestore.ScopeId;
import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.spi.StoreUrl;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * A key prefix of its own per store URL, on a shared server. Raw access goes straight to the key the
 * store documents ({@code PREFIX:{stack:stage}:d:FQN}, field {@code doc}). Keys of the prefixes handed
 * out are deleted when the JVM ends, on a server the tests do not own.
 */
final class RedisFixture implements ConformanceFixture {

    private final RedisServers.Server server;
    private final UnifiedJedis raw;
    private final List<String> prefixes = new CopyOnWriteArrayList<>();

    RedisFixture(RedisServers.Server server) {
        this.server = server;
        RedisOptions options = RedisOptions.from(StoreUrl.parse(server.url()));
        this.raw = options.cluster()
                ? RedisClusterClient.builder().nodes(new HashSet<>(options.nodes())).build()
                : RedisClient.builder().hostAndPort(options.nodes().get(0)).build();
        if (server.local() == null) {
            Runtime.getRuntime().addShutdownHook(new Thread(this::deleteTestKeys, "delete test keys"));
        }
    }

    RedisServers.Server server() {
        return server;
    }

    @Override
    public String newStoreUrl() {
        String prefix = "statestore-test-" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        prefixes.add(prefix);
        // A reply may take seconds: the suite writes a 32 MiB record (sealed, and kept in the history too) in one script.
        return server.url() + (server.url().contains("?") ? "&" : "?") + "prefix=" + prefix + "&timeout=30000";
    }

    /** Port 1 of loopback, where nothing listens, with the secret as the password. */
    @Override
    public Optional<String> unreachableStoreUrl(String secret) {
        return Optional.of("redis://u:" + secret + "@127.0.0.1:1?timeout=1000");
    }

    private static String docKey(String storeUrl, ScopeId scope, String fqn) {
        String prefix = StoreUrl.parse(storeUrl).options().string("prefix", "statestore");
        return prefix + ":{" + scope.stack() + ":" + scope.stage() + "}:d:" + fqn;
    }

    @Override
    public Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn) {
        return Optional.ofNullable(raw.hget(docKey(storeUrl, scope, fqn), "doc")).map(s -> s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes) {
        String key = docKey(storeUrl, scope, fqn);
        if (raw.hget(key, "doc") == null) {
            throw new IllegalStateException("no record '" + fqn + "' to overwrite at " + key);
        }
        raw.hset(key, "doc", new String(bytes, StandardCharsets.UTF_8));
    }

    private void deleteTestKeys() {
        for (String prefix : prefixes) {
            var keys = raw.scanIteration(500, prefix + ":*");
            while (!keys.isIterationCompleted()) {
                keys.nextBatchList().forEach(raw::del);
            }
        }
    }

    /** Leases are timed on the server's clock. */
    @Override
    public dev.statestore.StoreLimits.LeaseClock leaseClock() {
        return dev.statestore.StoreLimits.LeaseClock.STORE;
    }
}
