package dev.statestore.s3;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;
import dev.statestore.testkit.TestServers.Tier;

/**
 * The whole conformance suite, unchanged, on S3Mock in a container, whatever {@code STATESTORE_TEST_SERVERS}
 * says. Run by the {@code containers} Maven profile, not by default.
 */
class S3ContainersConformanceTest extends StateStoreConformance {

    private static final S3Fixture FIXTURE = new S3Fixture(Tier.CONTAINERS);

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
