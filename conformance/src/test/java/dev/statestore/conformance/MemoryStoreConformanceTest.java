package dev.statestore.conformance;

import dev.statestore.ScopeId;
import dev.statestore.internal.MemoryStoreProvider;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** The suite on {@code memory:NAME}, one name per test. */
class MemoryStoreConformanceTest extends StateStoreConformance {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private static final ConformanceFixture FIXTURE = new ConformanceFixture() {
        @Override
        public String newStoreUrl() {
            return "memory:conformance-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        }

        @Override
        public Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn) {
            return MemoryStoreProvider.rawRecord(name(storeUrl), scope, fqn);
        }

        @Override
        public void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes) {
            MemoryStoreProvider.writeRawRecord(name(storeUrl), scope, fqn, bytes);
        }

        private String name(String storeUrl) {
            return storeUrl.substring("memory:".length());
        }
    };

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
