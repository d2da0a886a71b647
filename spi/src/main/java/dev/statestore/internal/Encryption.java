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

    /**
     * Re-seals every record and the stack output of {@code scope} under the primary key, holding the
     * scope's deploy lock; see {@link dev.statestore.StateStores#rekey}.
     */
    public static dev.statestore.RekeyResult rekey(StateStoreProvider provider, StoreUrl url, String option, String keySource,
            dev.statestore.ScopeId scope, String owner, java.util.function.LongConsumer progress) {
        Keyring keys = Keyring.parse(keySource);
        try (StoreBackend raw = provider.open(url.withoutOption(option))) {
            return new Rekeying(raw, keys).run(scope, owner, progress);
        }
    }
}
