package dev.statestore.dynamodb;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;

/** The whole conformance suite, unchanged, on DynamoDB (Local). */
class DynamoDbConformanceTest extends StateStoreConformance {

    private static final DynamoDbFixture FIXTURE = new DynamoDbFixture();

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
