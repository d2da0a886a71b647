package dev.statestore.azblob;

import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.util.Set;

/**
 * Opens {@code azblob://ACCOUNT/CONTAINER[/PREFIX]} store URLs (see {@link AzureBlobOptions}). Registered through
 * {@link java.util.ServiceLoader}.
 */
public final class AzureBlobStoreProvider implements StateStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("azblob");
    }

    @Override
    public StoreBackend open(StoreUrl url) {
        return AzureBlobBackend.open(AzureBlobOptions.from(url));
    }
}
