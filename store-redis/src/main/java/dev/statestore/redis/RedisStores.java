package dev.statestore.redis;

import dev.statestore.StateStore;
import dev.statestore.spi.StoreBackend;
import java.util.Objects;
import redis.clients.jedis.UnifiedJedis;

/**
 * Opens a Redis store on a {@link UnifiedJedis} the application already has (a single server's pooled client or a
 * cluster's, with its credentials, TLS and timeouts), instead of a URL. The store checks the connection on open
 * (PING) and never closes the client: closing the store leaves it to its owner.
 */
public final class RedisStores {

    private RedisStores() {}

    /**
     * The store whose every key starts with {@code prefix} and a colon.
     *
     * @throws IllegalArgumentException if {@code prefix} is empty or holds braces or control characters
     * @throws dev.statestore.StateStoreUnavailableException if the server does not answer
     */
    public static StateStore open(UnifiedJedis redis, String prefix) {
        Objects.requireNonNull(redis, "redis");
        if (!RedisOptions.isPrefix(Objects.requireNonNull(prefix, "prefix"))) {
            throw new IllegalArgumentException("a prefix is non-empty, without '{', '}' or control characters, not '"
                    + prefix + "'");
        }
        return StoreBackend.toStateStore(RedisBackend.onClient(redis, prefix));
    }
}
