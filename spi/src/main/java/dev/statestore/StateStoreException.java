package dev.statestore;

/**
 * Root of every error a state store throws. Unchecked, so that a deploy engine can let it travel to
 * the one place that knows what to do with it.
 *
 * <p>{@link #isRetryable()} says whether the same call may succeed if made again unchanged: only
 * {@link StateStoreUnavailableException} is. A conflict is not retryable as such: the caller must
 * read the current record again and decide.
 */
public class StateStoreException extends RuntimeException {

    public StateStoreException(String message) {
        super(message);
    }

    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether repeating the same call, unchanged, may succeed. */
    public boolean isRetryable() {
        return false;
    }
}
