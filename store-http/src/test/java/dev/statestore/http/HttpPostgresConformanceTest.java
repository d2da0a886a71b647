package dev.statestore.http;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;
import dev.statestore.testkit.postgres.PostgresFixture;

/** The whole conformance suite, unchanged, through HTTP to a server in front of PostgreSQL. */
class HttpPostgresConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new ServedFixture(new PostgresFixture());

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
