package dev.statestore.s3;

import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.util.Set;

/** Opens {@code s3://bucket[/prefix]} store URLs (see {@link S3Options}). Registered through {@link java.util.ServiceLoader}. */
public final class S3StoreProvider implements StateStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("s3");
    }

    @Override
    public StoreBackend open(StoreUrl url) {
        return S3Backend.open(S3Options.from(url));
    }
}
