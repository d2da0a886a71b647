package dev.statestore.s3;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.EncryptedFixture;
import dev.statestore.conformance.StateStoreConformance;

/** The whole conformance suite, unchanged, with encryption at rest on. */
class EncryptedS3ConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new EncryptedFixture(new S3Fixture());

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
