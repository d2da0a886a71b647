package dev.statestore;

import org.jspecify.annotations.Nullable;

/**
 * The store is set up in a way it cannot work with: a missing table, a schema written by a newer release, a
 * server that ignores conditional writes, records sealed with a key that is not configured, two providers on the
 * classpath for one URL scheme. Not retryable: someone fixes the setup, then the same call succeeds. (A store URL
 * that is wrong as written is an {@link InvalidStoreUrlException} instead, thrown when it is opened.)
 */
public class StateStoreMisconfiguredException extends StateStoreException {

    public StateStoreMisconfiguredException(String message) {
        super(message);
    }

    public StateStoreMisconfiguredException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
