package dev.statestore;

import org.jspecify.annotations.Nullable;

/**
 * Bytes found in the backend are not a valid record (not JSON, not an object, a wrong or missing
 * fqn, an unknown status). The store names the key and leaves the bytes exactly as they are: it
 * never deletes or rewrites them, so an operator can inspect and repair them. Other records of the
 * scope still read; listing a scope that holds a corrupt record fails rather than leave it out.
 */
public class CorruptStateException extends StateStoreException {

    private final String location;

    public CorruptStateException(String location, String problem, @Nullable Throwable cause) {
        super("corrupt state at " + location + ": " + problem, cause);
        this.location = location;
    }

    /** Where the bad bytes are: a file path, an object key, a table row, in the backend's own terms. */
    public String location() {
        return location;
    }
}
