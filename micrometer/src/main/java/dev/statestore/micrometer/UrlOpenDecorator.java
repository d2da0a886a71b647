package dev.statestore.micrometer;

import dev.statestore.StateStore;
import dev.statestore.spi.StateStoreDecorator;

/** Observes the stores opened by URL once {@link StoreObservations#observeUrlOpens} set a registry; otherwise nothing. */
public final class UrlOpenDecorator implements StateStoreDecorator {

    @Override
    public StateStore decorate(StateStore store, String scheme) {
        return StoreObservations.observe(store, StoreObservations.urlOpens(), scheme);
    }
}
