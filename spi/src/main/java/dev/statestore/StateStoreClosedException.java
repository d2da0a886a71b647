package dev.statestore;

/** A call on a {@link StateStore} (or one of its scopes) after {@link StateStore#close()}: a bug of the caller's. */
public class StateStoreClosedException extends StateStoreException {

    public StateStoreClosedException(String message) {
        super(message);
    }
}
