package dev.statestore.dynamodb;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.EncryptedFixture;
import dev.statestore.conformance.StateStoreConformance;

/** The whole conformance suite, unchanged, with encryption at rest on. */
class EncryptedDynamoDbConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new EncryptedFixture(new DynamoDbFixture());

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
