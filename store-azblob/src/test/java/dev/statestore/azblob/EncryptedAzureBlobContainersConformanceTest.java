package dev.statestore.azblob;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.EncryptedFixture;
import dev.statestore.conformance.StateStoreConformance;
import dev.statestore.testkit.TestServers.Tier;

/** The whole conformance suite with encryption at rest on Azurite in a container. Run by the {@code containers} profile. */
class EncryptedAzureBlobContainersConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new EncryptedFixture(new AzureBlobFixture(Tier.CONTAINERS));

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
