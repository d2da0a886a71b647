package dev.statestore.internal;

import dev.statestore.InvalidStoreUrlException;
import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Internal: opens {@code memory:} (a new private store each time) and {@code memory:NAME} (one store
 * per name in this JVM, shared by every open of that name and kept after close, until dropped).
 */
public final class MemoryStoreProvider implements StateStoreProvider {

    private static final Map<String, MemoryBackend> NAMED = new ConcurrentHashMap<>();

    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public StoreBackend open(StoreUrl url) {
        if (url.authority().isPresent()) {
            throw new InvalidStoreUrlException("a memory URL is memory: or memory:NAME, not " + url.redacted());
        }
        url.options().finish();
        String name = url.path();
        if (name.isEmpty()) {
            return new MemoryBackend("(private " + UUID.randomUUID() + ")");
        }
        return NAMED.computeIfAbsent(name, MemoryBackend::new);
    }

    /** For the conformance suite's fixture only: the stored text of a record of {@code memory:NAME}. */
    public static java.util.Optional<byte[]> rawRecord(String name, dev.statestore.ScopeId scope, String fqn) {
        MemoryBackend backend = NAMED.get(name);
        return backend == null ? java.util.Optional.empty() : backend.rawRecord(scope, fqn);
    }

    /** For the conformance suite's fixture only: overwrites the stored text of an existing record. */
    public static void writeRawRecord(String name, dev.statestore.ScopeId scope, String fqn, byte[] bytes) {
        MemoryBackend backend = NAMED.get(name);
        if (backend == null) {
            throw new IllegalArgumentException("no store memory:" + name);
        }
        backend.writeRawRecord(scope, fqn, bytes);
    }

    /** Forgets the named store, freeing its memory. @return whether it existed */
    public static boolean drop(String name) {
        return NAMED.remove(name) != null;
    }
}
