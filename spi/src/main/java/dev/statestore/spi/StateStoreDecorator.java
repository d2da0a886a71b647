package dev.statestore.spi;

import dev.statestore.StateStore;

/**
 * Wraps the stores {@link dev.statestore.StateStores#open(String)} opens: found with {@link java.util.ServiceLoader}
 * (a {@code META-INF/services/dev.statestore.spi.StateStoreDecorator} entry), applied in the order found, the way
 * instrumentation plugs in (the {@code statestore-micrometer} module). A decorator with nothing to add returns the
 * store it was given, so an application that does not use it pays nothing. Implementations are thread-safe and
 * must not change what a store does, only observe it.
 */
public interface StateStoreDecorator {

    /**
     * @param store the store as opened (closing the result must close it)
     * @param scheme the URL's scheme, naming the backend ({@code postgresql}, {@code file}, ...)
     */
    StateStore decorate(StateStore store, String scheme);
}
