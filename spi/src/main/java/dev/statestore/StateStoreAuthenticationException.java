package dev.statestore;

import org.jspecify.annotations.Nullable;

/**
 * The backend refused the credentials it was given: a wrong password, token or key, an unknown user.
 * Not retryable: the same call fails the same way until the credentials are fixed, so a client that
 * retried would only hammer the server (and may lock the account). The message names the store, never
 * the credentials.
 */
public class StateStoreAuthenticationException extends StateStoreException {

    public StateStoreAuthenticationException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
