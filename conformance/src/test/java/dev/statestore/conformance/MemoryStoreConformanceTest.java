package dev.statestore.conformance;

/** The suite on {@code memory:NAME}, one name per test. */
class MemoryStoreConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new MemoryFixture("conformance");

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
