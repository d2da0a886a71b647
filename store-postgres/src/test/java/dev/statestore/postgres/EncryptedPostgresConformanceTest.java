package dev.statestore.postgres;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.EncryptedFixture;
import dev.statestore.conformance.StateStoreConformance;
import dev.statestore.testkit.postgres.PostgresFixture;

/** The whole conformance suite, unchanged, with encryption at rest on. */
class EncryptedPostgresConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new EncryptedFixture(new PostgresFixture());

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
