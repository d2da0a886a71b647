package dev.statestore.redis;

import dev.statestore.spi.StoreUrl;
import java.io.IOException;
import java.util.Optional;
import dev.statestore.conformance.TestServers;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Redis servers of this module's tests, one of each per test JVM. A single server, from the first of:
 * {@code STATESTORE_TEST_REDIS_URL} (a server someone runs: the tests only touch keys under prefixes of
 * their own, and delete them after); Docker, where Testcontainers starts {@code redis:7-alpine} (or
 * {@code STATESTORE_TEST_REDIS_IMAGE}); this machine's {@code redis-server}, privately, on a free port.
 * A cluster: {@code STATESTORE_TEST_REDIS_CLUSTER_URL}, else three private {@code redis-server} nodes.
 * With none, the tests fail and say how to provide one.
 */
final class RedisServers {

    /** Where a server is, as a store URL without options, and whether the tests own it. */
    record Server(String tier, String url, LocalRedis local) {}

    private static Server single;
    private static Server cluster;

    private RedisServers() {}

    static synchronized Server single() {
        if (single == null) {
            single = startSingle();
            LoggerFactory.getLogger(RedisServers.class).info("Redis for the tests: {} at {}", single.tier(),
                    StoreUrl.parse(single.url()).redacted());
        }
        return single;
    }

    static synchronized Server cluster() {
        if (cluster == null) {
            cluster = startCluster();
            LoggerFactory.getLogger(RedisServers.class).info("Redis cluster for the tests: {} at {}", cluster.tier(),
                    StoreUrl.parse(cluster.url()).redacted());
        }
        return cluster;
    }

    private static Server startSingle() {
        String url = System.getenv("STATESTORE_TEST_REDIS_URL");
        if (url != null && !url.isBlank()) {
            return new Server("STATESTORE_TEST_REDIS_URL", url, null);
        }
        if (TestServers.dockerAvailable()) {
            String image = Optional.ofNullable(System.getenv("STATESTORE_TEST_REDIS_IMAGE")).orElse("redis:7-alpine");
            GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image).asCompatibleSubstituteFor("redis"))
                    .withExposedPorts(6379).withCommand("redis-server", "--appendonly", "yes");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop redis container"));
            return new Server("Testcontainers " + image,
                    "redis://" + container.getHost() + ":" + container.getMappedPort(6379), null);
        }
        requireInstalled();
        try {
            LocalRedis local = LocalRedis.single();
            return new Server("private redis-server", "redis://127.0.0.1:" + local.ports().get(0), local);
        } catch (IOException e) {
            throw new IllegalStateException("could not start a private redis-server", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Server startCluster() {
        String url = System.getenv("STATESTORE_TEST_REDIS_CLUSTER_URL");
        if (url != null && !url.isBlank()) {
            return new Server("STATESTORE_TEST_REDIS_CLUSTER_URL", url, null);
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
