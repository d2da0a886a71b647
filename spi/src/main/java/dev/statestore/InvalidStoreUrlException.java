package dev.statestore;

/**
 * A store URL that cannot be opened as written: malformed, an option unknown to the backend, an
 * option with a bad value. The message names every offending part at once, and never contains a
 * credential.
 */
public class InvalidStoreUrlException extends StateStoreException {

    public InvalidStoreUrlException(String message) {
        super(message);
    }
}
