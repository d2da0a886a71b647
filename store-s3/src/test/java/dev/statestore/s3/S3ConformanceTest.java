package dev.statestore.s3;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;

/** The whole conformance suite, unchanged, on the tests' S3 server. */
class S3ConformanceTest extends StateStoreConformance {

    private static final S3Fixture FIXTURE = new S3Fixture();

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
