package dev.statestore.redis;

import dev.statestore.spi.StoreUrl;
import java.io.IOException;
import java.util.Optional;
import dev.statestore.testkit.TestServers;
import dev.statestore.testkit.TestServers.Tier;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Redis servers of this module's tests, one of each per tier per test JVM. A single server, in the tier
 * {@code auto} ({@link TestServers}) from the first of: {@code STATESTORE_TEST_REDIS_URL} (a server someone
 * runs: the tests only touch keys under prefixes of their own, and delete them after); a container engine,
 * where Testcontainers starts {@code redis:7-alpine} (or {@code STATESTORE_TEST_REDIS_IMAGE}); this machine's
 * {@code redis-server}, privately, on a free port; {@code containers} and {@code local} take only one of the
 * last two. A cluster: {@code STATESTORE_TEST_REDIS_CLUSTER_URL} (auto), else three private
 * {@code redis-server} nodes; there is no container tier for the cluster. Without the server asked for, the
 * tests fail and say how to provide one.
 */
final class RedisServers {

    /** Where a server is, as a store URL without options, and whether the tests own it. */
    record Server(String tier, String url, LocalRedis local) {}

    private static final TestServers.PerTier<Server> single = new TestServers.PerTier<>(tier -> {
        Server server = startSingle(tier);
        LoggerFactory.getLogger(RedisServers.class).info("Redis for the tests: {} {}", server.tier(),
                StoreUrl.parse(server.url()).redacted());
        return server;
    });
    private static Server cluster;

    private RedisServers() {}

    /** The single server of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    static Server single() {
        return single(TestServers.requestedTier());
    }

    /** The single server of the given tier, started on first use and kept for the JVM. */
    static Server single(Tier tier) {
        return single.get(tier);
    }

    static synchronized Server cluster() {
        if (cluster == null) {
            cluster = startCluster();
            LoggerFactory.getLogger(RedisServers.class).info("Redis cluster for the tests: {} at {}", cluster.tier(),
                    StoreUrl.parse(cluster.url()).redacted());
        }
        return cluster;
    }

    private static Server startSingle(Tier tier) {
        Optional<String> url = TestServers.environment("STATESTORE_TEST_REDIS_URL");
        if (tier.takesUrlFromEnvironment() && url.isPresent()) {
            return new Server("STATESTORE_TEST_REDIS_URL", url.get(), null);
        }
        if (tier.takesContainer()) {
            DockerImageName image = TestServers.image("STATESTORE_TEST_REDIS_IMAGE", "redis:7-alpine");
            GenericContainer<?> container = TestServers.start("Redis", new GenericContainer<>(image)
                    .withExposedPorts(6379).withCommand("redis-server", "--appendonly", "yes"));
            return new Server("Testcontainers, image " + image + ", port 6379 mapped to",
                    "redis://" + container.getHost() + ":" + container.getMappedPort(6379), null);
        }
        requireInstalled();
        try {
            LocalRedis local = LocalRedis.single();
            return new Server("private redis-server at", "redis://127.0.0.1:" + local.ports().get(0), local);
        } catch (IOException e) {
            throw new IllegalStateException("could not start a private redis-server", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Server startCluster() {
        Tier tier = TestServers.requestedTier();
        Optional<String> url = TestServers.environment("STATESTORE_TEST_REDIS_CLUSTER_URL");
        if (tier.takesUrlFromEnvironment() && url.isPresent()) {
            return new Server("STATESTORE_TEST_REDIS_CLUSTER_URL", url.get(), null);
        }
        if (tier == Tier.CONTAINERS) {
            // Cluster nodes tell clients their own addresses, which behind mapped ports are not the host's.
            throw new IllegalStateException("the Redis cluster tests have no container tier: run them with "
                    + TestServers.TIER_VARIABLE + "=local (three private redis-server nodes) or auto with "
                    + "STATESTORE_TEST_REDIS_CLUSTER_URL");
        }
        requireInstalled();
        try {
            LocalRedis local = LocalRedis.cluster();
            StringBuilder nodes = new StringBuilder();
            for (int port : local.ports()) {
                nodes.append(nodes.length() == 0 ? "" : ",").append("127.0.0.1:").append(port);
            }
            return new Server("3 private redis-server cluster nodes", "redis-cluster://" + nodes, local);
        } catch (IOException e) {
            throw new IllegalStateException("could not start a private Redis cluster", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void requireInstalled() {
        if (!LocalRedis.installed()) {
            throw new IllegalStateException("no Redis server for the tests: set STATESTORE_TEST_REDIS_URL "
                    + "(redis://[user:pass@]host:port), or run Docker, or install redis-server "
                    + "(Debian: apt-get install redis-server) so that a private server can be started");
        }
    }

}
