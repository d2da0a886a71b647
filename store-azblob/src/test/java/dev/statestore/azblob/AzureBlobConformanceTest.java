package dev.statestore.azblob;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;

/** The whole conformance suite, unchanged, on the Blob service the tier {@code STATESTORE_TEST_SERVERS} names. */
class AzureBlobConformanceTest extends StateStoreConformance {

    static final AzureBlobFixture FIXTURE = new AzureBlobFixture();

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
