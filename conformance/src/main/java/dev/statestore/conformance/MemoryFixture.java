package dev.statestore.conformance;

import dev.statestore.ScopeId;
import dev.statestore.internal.MemoryStoreProvider;
import java.util.Optional;
import java.util.UUID;

/**
 * Named in-memory stores, {@code memory:NAME}, a new name per URL: the memory store's own fixture, and the
 * store behind a layer under test (a server in front of it, say). Stores are kept until the JVM ends.
 */
public final class MemoryFixture implements ConformanceFixture {

    private final String namePrefix;

    /** @param namePrefix what the store names start with, to tell fixtures apart in messages */
    public MemoryFixture(String namePrefix) {
        this.namePrefix = namePrefix;
    }

    @Override
    public String newStoreUrl() {
        return "memory:" + namePrefix + "-" + UUID.randomUUID();
    }

    @Override
    public Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn) {
        return MemoryStoreProvider.rawRecord(name(storeUrl), scope, fqn);
    }

    @Override
    public void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes) {
        MemoryStoreProvider.writeRawRecord(name(storeUrl), scope, fqn, bytes);
    }

    private static String name(String storeUrl) {
        return storeUrl.substring("memory:".length());
    }
}
