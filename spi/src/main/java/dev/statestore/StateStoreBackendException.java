package dev.statestore;

import org.jspecify.annotations.Nullable;

/**
 * The backend answered with an error this library does not classify further: an unexpected status or error code
 * that is not a sign of a passing outage. The message carries the backend's own words and the operation; the
 * cause, where there is one, is the client library's exception. Not retryable as such.
 */
public class StateStoreBackendException extends StateStoreException {

    public StateStoreBackendException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
