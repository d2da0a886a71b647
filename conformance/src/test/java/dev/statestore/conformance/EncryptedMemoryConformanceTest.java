package dev.statestore.conformance;

/** The suite on {@code memory:NAME} with encryption on, unchanged. */
class EncryptedMemoryConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new EncryptedFixture(new MemoryFixture("encrypted-conformance"));

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
