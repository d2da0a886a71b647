package dev.statestore.postgres;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;
import dev.statestore.testkit.postgres.PostgresFixture;

/** The whole conformance suite, unchanged, on PostgreSQL. */
class PostgresConformanceTest extends StateStoreConformance {

    private static final PostgresFixture FIXTURE = new PostgresFixture();

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
