package dev.statestore;

/**
 * The caller passed something the store refuses before touching the backend: an invalid fqn, stack
 * or stage name, a document that is not a valid record, a record over a size limit, a bad page size.
 * Nothing was written.
 */
public class InvalidStateException extends StateStoreException {

    public InvalidStateException(String message) {
        super(message);
    }
}
