package dev.statestore;

import org.jspecify.annotations.Nullable;

/**
 * The backend refused the operation to the credentials it was given: they authenticate, but may not do this
 * (S3's {@code 403 AccessDenied}, PostgreSQL's {@code insufficient_privilege}, DynamoDB's
 * {@code AccessDeniedException}, Redis's {@code NOPERM}, the HTTP server's {@code 403}). Not retryable: the same
 * call fails the same way until the permissions change. The message names the permissions the store needs where
 * it knows them, never a credential.
 */
public class StateStoreAccessDeniedException extends StateStoreException {

    public StateStoreAccessDeniedException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
