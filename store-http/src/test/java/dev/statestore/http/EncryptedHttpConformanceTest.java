package dev.statestore.http;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.MemoryFixture;
import dev.statestore.conformance.EncryptedFixture;
import dev.statestore.conformance.StateStoreConformance;

/**
 * The whole conformance suite through HTTP with the client's encryption on: the server, and the store
 * behind it, only ever hold sealed documents.
 */
class EncryptedHttpConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new EncryptedFixture(new ServedFixture(new MemoryFixture("http-conformance")));

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
