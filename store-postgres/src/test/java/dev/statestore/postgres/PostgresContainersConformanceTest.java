package dev.statestore.postgres;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;
import dev.statestore.testkit.TestServers.Tier;
import dev.statestore.testkit.postgres.PostgresFixture;

/**
 * The whole conformance suite, unchanged, on PostgreSQL in a container (Testcontainers' PostgreSQL module),
 * whatever {@code STATESTORE_TEST_SERVERS} says. Run by the {@code containers} Maven profile, not by default.
 */
class PostgresContainersConformanceTest extends StateStoreConformance {

    private static final PostgresFixture FIXTURE = new PostgresFixture(Tier.CONTAINERS);

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
