package dev.statestore.internal;

import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;

/** Internal: opens a backend under the encryption layer, for {@link dev.statestore.StateStores}. */
public final class Encryption {

    private Encryption() {}

    /**
     * Reads the keys first (a bad key fails before any connection), then opens the backend with the URL
     * minus {@code option}, and wraps it.
     */
    public static StoreBackend open(StateStoreProvider provider, StoreUrl url, String option, String keySource) {
        Keyring keys = Keyring.parse(keySource);
        return new EncryptingBackend(provider.open(url.withoutOption(option)), keys);
    }
}
