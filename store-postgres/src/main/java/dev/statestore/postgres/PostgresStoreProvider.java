package dev.statestore.postgres;

import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.util.Set;

/**
 * Opens {@code postgresql://}, {@code postgres://} and {@code jdbc:postgresql://} store URLs (see
 * {@link PostgresOptions}). Registered through {@link java.util.ServiceLoader}.
 */
public final class PostgresStoreProvider implements StateStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("postgresql", "postgres", "jdbc:postgresql");
    }

    @Override
    public StoreBackend open(StoreUrl url) {
        return PostgresBackend.open(PostgresOptions.from(url));
    }
}
