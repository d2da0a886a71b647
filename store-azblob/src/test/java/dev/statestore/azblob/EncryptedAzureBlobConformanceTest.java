package dev.statestore.azblob;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.EncryptedFixture;
import dev.statestore.conformance.StateStoreConformance;

/** The whole conformance suite on Azure Blob with encryption at rest: the same cases, sealed documents underneath. */
class EncryptedAzureBlobConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new EncryptedFixture(AzureBlobConformanceTest.FIXTURE);

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
