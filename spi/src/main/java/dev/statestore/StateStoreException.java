package dev.statestore;

import org.jspecify.annotations.Nullable;

/**
 * Root of every error a state store throws. Unchecked, so that a deploy engine can let it travel to
 * the one place that knows what to do with it.
 *
 * <p>Abstract: every error is one of its subclasses, each for a thing a caller handles differently: a conflict
 * ({@link StateConflictException}, {@link LockConflictException}), a missing record, invalid input, a bad URL,
 * corrupt data, an unavailable store (the only retryable one), refused credentials, denied access, a
 * misconfigured store, a closed store, and an error of the backend this library does not classify
 * ({@link StateStoreBackendException}).
 *
 * <p>{@link #isRetryable()} says whether the same call may succeed if made again unchanged: only
 * {@link StateStoreUnavailableException} is. A conflict is not retryable as such: the caller must
 * read the current record again and decide.
 */
public abstract class StateStoreException extends RuntimeException {

    protected StateStoreException(String message) {
        super(message);
    }

    protected StateStoreException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /** Whether repeating the same call, unchanged, may succeed. */
    public boolean isRetryable() {
        return false;
    }
}
