package dev.statestore.dynamodb;

import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.util.Set;

/** Opens {@code dynamodb://table} store URLs (see {@link DynamoDbOptions}). Registered through {@link java.util.ServiceLoader}. */
public final class DynamoDbStoreProvider implements StateStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("dynamodb");
    }

    @Override
    public StoreBackend open(StoreUrl url) {
        return DynamoDbBackend.open(DynamoDbOptions.from(url));
    }
}
