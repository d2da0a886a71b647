package dev.statestore;

import java.util.List;

/**
 * No provider on the classpath handles the URL's scheme. The message lists the schemes that are
 * available and, for a scheme this project knows, names the module to add.
 */
public class UnknownSchemeException extends InvalidStoreUrlException {

    private final String scheme;
    private final List<String> available;

    public UnknownSchemeException(String scheme, List<String> available, String message) {
        super(message);
        this.scheme = scheme;
        this.available = List.copyOf(available);
    }

    public String scheme() {
        return scheme;
    }

    /** The schemes of the providers found on the classpath, sorted. */
    public List<String> available() {
        return available;
    }
}
