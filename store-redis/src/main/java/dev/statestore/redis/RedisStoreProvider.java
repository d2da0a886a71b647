package dev.statestore.redis;

import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.util.Set;

/**
 * Opens {@code redis://}, {@code rediss://}, {@code redis-cluster://} and {@code rediss-cluster://}
 * store URLs (see {@link RedisOptions}). Registered through {@link java.util.ServiceLoader}.
 */
public final class RedisStoreProvider implements StateStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss", "redis-cluster", "rediss-cluster");
    }

    @Override
    public StoreBackend open(StoreUrl url) {
        return RedisBackend.open(RedisOptions.from(url));
    }
}
