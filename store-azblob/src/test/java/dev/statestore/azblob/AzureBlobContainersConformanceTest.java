package dev.statestore.azblob;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;
import dev.statestore.testkit.TestServers.Tier;

/**
 * The whole conformance suite, unchanged, on Azurite in a container, whatever {@code STATESTORE_TEST_SERVERS} says.
 * Run by the {@code containers} Maven profile, not by default.
 */
class AzureBlobContainersConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new AzureBlobFixture(Tier.CONTAINERS);

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
