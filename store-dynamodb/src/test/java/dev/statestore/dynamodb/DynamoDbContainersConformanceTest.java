package dev.statestore.dynamodb;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;
import dev.statestore.testkit.TestServers.Tier;

/**
 * The whole conformance suite, unchanged, on DynamoDB Local in a container, whatever
 * {@code STATESTORE_TEST_SERVERS} says. Run by the {@code containers} Maven profile, not by default.
 */
class DynamoDbContainersConformanceTest extends StateStoreConformance {

    private static final DynamoDbFixture FIXTURE = new DynamoDbFixture(Tier.CONTAINERS);

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
