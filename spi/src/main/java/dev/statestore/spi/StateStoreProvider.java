package dev.statestore.spi;

import java.util.Set;

/**
 * A backend, found through {@link java.util.ServiceLoader}: a module registers its implementation in
 * {@code META-INF/services/dev.statestore.spi.StateStoreProvider}. Each scheme belongs to one provider;
 * two providers claiming one scheme make every {@link dev.statestore.StateStores#open(String)} fail.
 *
 * <p>Implementations have a public no-argument constructor and do no I/O until {@link #open}.
 */
public interface StateStoreProvider {

    /** The URL schemes this provider opens, lower-case, such as {@code s3} or {@code jdbc:postgresql}. */
    Set<String> schemes();

    /**
     * Opens the backend a URL of one of {@link #schemes()} names, validating every option first.
     *
     * @throws dev.statestore.InvalidStoreUrlException naming every bad part of the URL
     * @throws dev.statestore.StateStoreUnavailableException if the backend cannot be reached
     */
    StoreBackend open(StoreUrl url);
}
