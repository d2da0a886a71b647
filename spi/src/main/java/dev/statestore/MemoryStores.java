package dev.statestore;

import dev.statestore.internal.BackendStateStore;
import dev.statestore.internal.MemoryStoreProvider;
import dev.statestore.spi.StoreUrl;
import java.util.Collection;
import java.util.Map;

/**
 * Helpers for the {@code memory:} store, for tests: a store seeded with records, as Alchemy's test
 * state is seeded per stack and stage.
 *
 * <pre>{@code
 * StateStore store = MemoryStores.seeded(Map.of(new ScopeId("MyApp", "test"), List.of(bucket, queue)));
 * }</pre>
 */
public final class MemoryStores {

    private MemoryStores() {}

    /**
     * A new private in-memory store holding {@code records} (each at version 1), scope by scope.
     *
     * @throws InvalidStateException if two records of one scope share an fqn
     */
    public static StateStore seeded(Map<ScopeId, ? extends Collection<ResourceState>> records) {
        StateStore store = new BackendStateStore(new MemoryStoreProvider().open(StoreUrl.parse("memory:")));
        records.forEach((scope, list) -> {
            StateScope target = store.scope(scope);
            for (ResourceState record : list) {
                try {
                    target.create(record);
                } catch (StateConflictException e) {
                    throw new InvalidStateException("two seed records of " + scope + " are '" + record.fqn() + "'");
                }
            }
        });
        return store;
    }

    /** Forgets the store {@code memory:NAME}, freeing its memory. @return whether it existed */
    public static boolean drop(String name) {
        return MemoryStoreProvider.drop(name);
    }
}
