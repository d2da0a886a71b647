package dev.statestore.http;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.MemoryFixture;
import dev.statestore.conformance.StateStoreConformance;

/** The whole conformance suite, unchanged, through HTTP to a server in front of the memory store. */
class HttpConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new ServedFixture(new MemoryFixture("http-conformance"));

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
