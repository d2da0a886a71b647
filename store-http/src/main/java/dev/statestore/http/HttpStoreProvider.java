package dev.statestore.http;

import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.util.Set;

/**
 * Opens {@code http://} and {@code https://} store URLs: a store served by {@code statestore serve} (see
 * {@link HttpOptions}). Registered through {@link java.util.ServiceLoader}.
 */
public final class HttpStoreProvider implements StateStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("http", "https");
    }

    @Override
    public StoreBackend open(StoreUrl url) {
        return HttpBackend.open(HttpOptions.from(url));
    }
}
