package dev.statestore;

import org.jspecify.annotations.Nullable;

/**
 * The backend could not be reached or did not answer in time: connection refused or cut, a timeout,
 * an I/O error of the file system. Retryable: whether the write happened is unknown when this is
 * thrown by a write, so a retry of a conditional write may meet a {@link StateConflictException}
 * caused by its own first attempt; the caller re-reads to find out.
 */
public class StateStoreUnavailableException extends StateStoreException {

    public StateStoreUnavailableException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
